"""The holder in a real browser, on a phone: the link of their issuance e-mail (as delivered from the outbox)
opens their page; they download the signed PDF and the credential, and an employer's verifier accepts both
on /verifier/. axe-core finds nothing on the two public pages."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from backoffice.notifications.models import Notification
from backoffice.notifications.services import email_for
from casefiles.models import Candidate
from casefiles.services import issue_certificate
from tests.backoffice.test_views__certificates import award_everyone
from tests.browser.test_browser__demo import axe_problems
from tests.casefiles.conftest import committed_jury_world

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def emailed_link(transactional_db):  # type: ignore[no-untyped-def]
    cache.clear()  # the verifier's rate limit counts per address
    session, president, _ = committed_jury_world("Bernard")
    certificate = award_everyone(session, president)[0]
    Candidate.objects.filter(case_files__certificate=certificate).update(email="ines.bernard@example.fr")
    issue_certificate(certificate.pk)
    body = email_for(Notification.objects.get(template="certificate_issued_candidate")).body
    link = next(word for word in body.split() if "/mon-certificat/" in word)
    return urlparse(link).path, certificate.number


def test_the_holder_downloads_their_proofs_and_a_verifier_accepts_them(
    browser, live_server, emailed_link, tmp_path
):
    path, number = emailed_link
    context = browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, locale="fr-FR", accept_downloads=True
    )
    page = context.new_page()
    page.goto(live_server.url + path)
    assert "Certificat en vigueur" in page.inner_text("#holder") and number in page.inner_text("#holder")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert axe_problems(page, strict=True) == []
    linkedin = page.get_attribute("a[href^='https://www.linkedin.com/profile/add']", "href")
    assert linkedin and f"certId={number}" in linkedin

    downloads = {}
    for label, name in (("PDF", "certificat.pdf"), (".json", "attestation.json")):
        with page.expect_download() as download:
            page.click(f"#partager a:has-text('{label}')")
        downloads[name] = tmp_path / name
        download.value.save_as(downloads[name])

    page.goto(live_server.url + "/verifier/")
    for name, verdict in (
        ("attestation.json", "Attestation valide"),
        ("certificat.pdf", "Document authentique"),
    ):
        page.set_input_files("#fichier", str(downloads[name]))
        with page.expect_response(lambda r: r.request.method == "POST" and "/verifier/" in r.url):
            page.click("#document button[type=submit]")
        expect(page.locator("#verdict")).to_contain_text(verdict)
        text = page.inner_text("#verdict")
        assert verdict in text and "Non valide" not in text, text
    assert f"certificat n° {number}" in page.inner_text("#verdict") or number in page.inner_text("#verdict")
    assert axe_problems(page, strict=True) == []
    context.close()
