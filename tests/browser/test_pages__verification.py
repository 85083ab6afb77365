"""The public verification page in a real browser: an official look (the Certif'Pro logo, the facts of the
certificate, its status), without signing in."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import formats

from casefiles.services import issue_certificate
from tests.backoffice.test_views__certificates import award_everyone
from tests.casefiles.conftest import TODAY, committed_jury_world


@pytest.fixture
def issued_number(transactional_db):  # type: ignore[no-untyped-def]
    session, president, _ = committed_jury_world("Bernard")
    certificate = award_everyone(session, president)[0]
    issue_certificate(certificate.pk)
    return certificate.number


def test_a_visitor_reads_a_valid_certificate_as_an_official_answer(browser, live_server, issued_number):
    page = browser.new_page(locale="fr-FR")
    page.goto(live_server.url + reverse("certificate_verify"))

    logo = page.locator('#verification img[alt="Certif\'Pro"]')
    assert logo.is_visible() and page.evaluate("document.querySelector('#verification img').naturalWidth") > 0
    page.fill("#numero", issued_number)
    page.click("#verification button[type=submit]")

    answer = page.locator("#answer")
    answer.wait_for()
    text = answer.inner_text()
    assert "Certificat valide" in text
    assert issued_number in text and "Inès BERNARD" in text
    assert formats.date_format(TODAY, "j F Y") in text
    assert "Délivré par" in text and "Certif'Pro" in text
    page.close()


def test_an_unknown_number_reads_as_unknown(browser, live_server, transactional_db):
    page = browser.new_page(locale="fr-FR")
    page.goto(
        live_server.url
        + reverse("certificate_verify_number", kwargs={"number": f"CLEA-{TODAY.year}-IDF-999999"})
    )

    assert "Numéro inconnu" in page.locator("#answer").inner_text()
    page.close()
