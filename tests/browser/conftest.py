"""Debian's Chromium driven by Playwright (it cannot download its own browser here)."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import sync_playwright

# This machine has no outside network: Chromium's background connections would only fail.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=os.environ["CHROMIUM"],
            args=CHROMIUM_FLAGS,
        )
        yield browser
        browser.close()
