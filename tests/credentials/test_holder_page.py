"""The holder's private page: reached by the link of their e-mail (made when the e-mail is sent, never kept),
their signed PDF and credential to download, LinkedIn prefilled; a new link ends the earlier ones."""

from __future__ import annotations

import json
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from backoffice.notifications.models import Notification
from backoffice.notifications.services import email_for
from casefiles.credentials.holder import holder_url
from casefiles.models import Candidate, Certificate
from casefiles.services import issue_certificate, revoke_certificate, send_holder_link

from .conftest import read_jwt

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_rate_limits():
    cache.clear()


def path_of(url: str) -> str:
    return urlsplit(url).path


@pytest.fixture
def emailed(awarded):
    """The first certificate, issued to a holder with an e-mail: the issuance e-mail carries the link."""
    Candidate.objects.filter(case_files__certificate=awarded[0]).update(email="ines.bernard@example.fr")
    issue_certificate(awarded[0].pk)
    return Certificate.objects.get(pk=awarded[0].pk)


def candidate_email(certificate) -> Notification:
    return Notification.objects.filter(template="certificate_issued_candidate").get()


def test_the_issuance_email_carries_the_private_link_made_when_sent(emailed):
    notification = candidate_email(emailed)
    url = holder_url(emailed)
    assert url not in json.dumps(notification.context)  # the outbox row keeps no link
    body = email_for(notification).body
    assert url in body and "page personnelle" in body


def test_the_page_shows_the_certificate_and_its_proofs(emailed):
    client = Client()
    response = client.get(path_of(holder_url(emailed)))
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    page = unescape(response.content.decode())
    assert emailed.number in page and "Certificat en vigueur" in page and "Inès BERNARD" in page
    linkedin = next(
        part.split('"')[0] for part in page.split('href="') if part.startswith("https://www.linkedin")
    )
    params = parse_qs(urlsplit(linkedin).query)
    assert params["startTask"] == ["CERTIFICATION_NAME"] and params["name"] == ["Certification CléA"]
    assert params["organizationName"] == ["Certif'Pro"] and params["certId"] == [emailed.number]
    assert params["issueYear"] == [str(emailed.awarded_on.year)]
    assert params["certUrl"][0].endswith(f"/verifier/{emailed.number}/")
    assert params["certUrl"][0] in page  # the verification link to give an employer


def test_the_holder_downloads_the_signed_pdf_and_the_credential(emailed):
    client = Client()
    base = path_of(holder_url(emailed))
    pdf = client.get(base + "certificat.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert "attachment" in pdf["Content-Disposition"]
    assert b"/ByteRange" in b"".join(pdf.streaming_content)  # signed (checked in depth in tests/signing)
    token = client.get(base + "attestation.jwt")
    assert token["Content-Type"] == "application/vc+jwt"
    _, payload = read_jwt(token.content.decode())
    assert payload["id"] == f"urn:uuid:{emailed.credential.uuid}"
    envelope = client.get(base + "attestation.json").json()
    assert envelope["type"] == "EnvelopedVerifiableCredential"
    assert envelope["id"] == "data:application/vc+jwt," + emailed.credential.jwt


@pytest.mark.parametrize("suffix", ["", "certificat.pdf", "attestation.jwt", "attestation.json"])
def test_a_wrong_or_forged_link_is_not_found(emailed, suffix):
    good = path_of(holder_url(emailed))
    forged = good.replace(good.split("/")[-2], "0" * 40)
    other = good.replace(f"/{emailed.pk}/", f"/{emailed.pk + 1}/")
    for url in (forged, other):
        assert Client().get(url + suffix).status_code == 404


def test_a_new_link_ends_the_earlier_ones(emailed, officer):
    old = path_of(holder_url(emailed))
    send_holder_link(emailed, actor=officer)
    emailed.refresh_from_db()
    new = path_of(holder_url(emailed))
    assert old != new
    assert Client().get(old).status_code == 404 and Client().get(new).status_code == 200
    notification = Notification.objects.get(template="holder_link")
    assert notification.email == "ines.bernard@example.fr"
    assert new not in json.dumps(notification.context) and new in email_for(notification).body


def test_the_link_is_sent_only_within_scope_and_to_an_email(
    emailed, awarded, officer_of_other_region, officer
):
    with pytest.raises(PermissionDenied):
        send_holder_link(emailed, actor=officer_of_other_region)
    issue_certificate(awarded[1].pk)  # the fixtures' other holder has no e-mail
    with pytest.raises(ValidationError, match="pas d'adresse e-mail"):
        send_holder_link(Certificate.objects.get(pk=awarded[1].pk), actor=officer)


def test_the_send_button_on_the_certificate_page(emailed, officer, evaluator):
    client = Client()
    client.force_login(evaluator)
    assert 'id="holder-link"' not in client.get(f"/certificats/{emailed.pk}/").content.decode()
    client.force_login(officer)
    assert 'id="holder-link"' in client.get(f"/certificats/{emailed.pk}/").content.decode()
    client.post(f"/certificats/{emailed.pk}/lien-titulaire/")
    assert Notification.objects.filter(template="holder_link").count() == 1


def test_a_revoked_certificate_page_says_so_and_offers_nothing(emailed, supervisor):
    revoke_certificate(emailed, reason="Fraude", actor=supervisor)
    page = unescape(Client().get(path_of(holder_url(emailed))).content.decode())
    assert "Ce certificat a été retiré" in page and "LinkedIn" not in page and "attestation.jwt" not in page


def test_support_prints_the_holders_link(emailed):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("holder_link", emailed.number.lower(), stdout=out)
    assert holder_url(emailed) in out.getvalue() and "Délivré" in out.getvalue()
