"""An evaluator imports a candidates file in a real browser: the progress bar follows the worker, the
preview asks for the confirmation, the result shows the files opened."""

from __future__ import annotations

import dramatiq
import pytest
from django.utils import timezone

from casefiles.models import CaseFile
from tests.backoffice.imports_helpers import candidate_row, csv_bytes
from tests.backoffice.test_imports__worker import committed_world  # noqa: F401
from tests.browser.test_browser__login import sign_in


@pytest.fixture
def worker():  # type: ignore[no-untyped-def]
    broker = dramatiq.get_broker()
    worker = dramatiq.Worker(broker, worker_threads=1, worker_timeout=100)
    worker.start()
    yield broker
    worker.stop()


def test_an_evaluator_imports_candidates_and_follows_the_progress(
    live_server,
    browser,
    committed_world,  # noqa: F811 (the fixture imported above)
    worker,
):
    site, _ = committed_world
    today = f"{timezone.localdate():%d/%m/%Y}"
    content = csv_bytes(
        [candidate_row(site.siret, f"B-{n}", nom=f"Nom{'y' * n}", date_accueil=today) for n in (1, 2, 3)]
    )
    page = sign_in(browser, live_server.url, "evaluator.worker")

    page.goto(f"{live_server.url}/imports/")
    page.select_option("#contract", "candidates")
    page.set_input_files(
        "#file", files=[{"name": "candidats.csv", "mimeType": "text/csv", "buffer": content}]
    )
    page.click("#upload button[type=submit]")
    page.wait_for_selector("#confirm", timeout=30_000)  # the page reloads itself when the check is done
    assert page.inner_text("#new") == "3"

    page.click("#confirm button[type=submit]")
    page.wait_for_selector("#outcome", timeout=30_000)
    assert "3 ligne(s) créée(s)" in page.inner_text("#outcome")
    assert CaseFile.objects.filter(reference__startswith="B-", process__isnull=False).count() == 3
    page.close()
