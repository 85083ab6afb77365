"""The demo runs on SQLite: the bulk writes' fallbacks (bulk_create instead of COPY) pass the same tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAME_TESTS = [
    "tests/workflows/test_bulk__start.py",
    "tests/workflows/test_bulk__positioning.py",
    "tests/workflows/test_bulk__training_and_final.py",
    "tests/backoffice/test_imports__candidates.py",
    "tests/backoffice/test_imports__results.py",
]


def test_imports_and_bulk_pathways_pass_their_tests_on_sqlite(tmp_path):
    environment = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}"}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *SAME_TESTS],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert " passed" in result.stdout and "skipped" not in result.stdout
