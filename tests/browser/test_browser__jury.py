"""A jury member runs a session in a real browser: opens it, decides every file, closes it, and the
certificates appear once the worker has rendered them."""

from __future__ import annotations

import datetime as dt

import dramatiq
import pytest

from casefiles.models import Certificate, CertificateStatus
from tests.browser.test_browser__login import sign_in
from tests.casefiles.conftest import committed_jury_world

TODAY = dt.date.today()


@pytest.fixture
def jury_world(transactional_db):  # type: ignore[no-untyped-def]
    session, president, _ = committed_jury_world("Bernard", "Moreau")
    return {"session": session, "president": president}


@pytest.fixture
def worker():  # type: ignore[no-untyped-def]
    broker = dramatiq.get_broker()
    worker = dramatiq.Worker(broker, worker_threads=1, worker_timeout=100)
    worker.start()
    yield broker
    worker.stop()


def test_a_member_runs_a_session_and_the_certificates_appear(live_server, browser, jury_world, worker):
    session = jury_world["session"]
    page = sign_in(browser, live_server.url, "jury.idf")

    page.goto(f"{live_server.url}/jurys/")
    page.click(f"a[href='/jurys/{session.pk}/']")
    page.click("text=Ouvrir la session")
    page.wait_for_selector("text=La session est ouverte.")

    for name, choice in (("BERNARD", "Attribuer le certificat"), ("MOREAU", "Attribuer le certificat")):
        page.click(f"#agenda a:has-text('{name}')")
        page.click("#no-conflict")
        page.wait_for_selector("#decision-form")
        for select in page.locator("#decision-form select").all():
            select.select_option(label=choice)
        for stated in page.locator("#decision-form .stated").all():  # declared aloud at the table
            stated.check()
        page.click("text=Enregistrer la décision")
        page.wait_for_selector("text=La décision est enregistrée.")
        page.click(f"a[href='/jurys/{session.pk}/']")

    page.click("#close-form button")
    page.wait_for_selector("text=La session est close")
    numbers = [f"CLEA-{TODAY.year}-IDF-00000{n}" for n in (1, 2)]
    for number in numbers:
        assert page.locator(f"#agenda >> text={number}").count() == 1
    assert page.locator("#minutes").count() == 1

    worker.join("default", timeout=30_000)
    assert set(Certificate.objects.values_list("status", flat=True)) == {CertificateStatus.ISSUED}
    page.goto(f"{live_server.url}/certificats/")
    for number in numbers:
        assert page.locator(f"text={number}").count() >= 1
    page.close()
