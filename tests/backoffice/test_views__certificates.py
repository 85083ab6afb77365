"""Certificate pages: the scoped list, a certificate's page and PDF, duplicate, withdrawal, the SI CPF
card."""

from __future__ import annotations

import datetime as dt
import io
from html import unescape

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from casefiles.models import Candidate, CdcStatus, Certificate, CertificateStatus, Decision
from casefiles.services import decide, declare_interest, issue_certificate, open_session, revoke_certificate
from tests.casefiles.conftest import TODAY
from workflows.pathway.commands import close_jury_session

pytestmark = pytest.mark.django_db


def award_everyone(session, jury_member) -> list[Certificate]:
    """Open the session with all its members, award every file on the agenda and close it."""
    members = list(session.members.all())
    open_session(session, present=members, actor=jury_member)
    for item in session.agenda.all():
        declare_interest(item, recused=False, actor=jury_member)
        decide(
            item,
            votes={m.pk: Decision.AWARD for m in members},
            reason="",
            actor=jury_member,
            stated_at_table=[m.pk for m in members],
        )
    return close_jury_session(session, actor=jury_member)


@pytest.fixture
def awarded(session, jury_member):
    """Two IDF certificates (Bernard, Moreau, evaluated by idf_site's organisation), not yet edited."""
    return award_everyone(session, jury_member)


def complete_identities(certificates) -> None:
    """What the SI CPF matches holders on: a birth name and a birth commune (Paris) for each holder."""
    Candidate.objects.filter(case_files__certificate__in=list(certificates)).update(
        birth_name=F("last_name"), birth_commune_code="75056"
    )


@pytest.fixture
def issued(awarded):
    for certificate in awarded:
        issue_certificate(certificate.pk)
    complete_identities(awarded)
    return Certificate.objects.filter(pk__in=[c.pk for c in awarded]).order_by("number")


@pytest.fixture
def certificate(issued):
    return issued[0]


def page(response) -> str:
    return unescape(response.content.decode())


def urls_of(certificate) -> dict[str, str]:
    return {
        "detail": f"/certificats/{certificate.pk}/",
        "pdf": f"/certificats/{certificate.pk}/certificat.pdf",
        "reissue": f"/certificats/{certificate.pk}/duplicata/",
        "revoke": f"/certificats/{certificate.pk}/retirer/",
    }


# Scope


def test_the_officer_lists_the_regions_certificates_newest_first_with_their_pdf(client_for, officer, issued):
    Certificate.objects.filter(pk=issued[1].pk).update(awarded_on=TODAY - dt.timedelta(days=3))
    text = page(client_for(officer).get("/certificats/"))
    assert text.index(issued[0].number) < text.index(issued[1].number)
    assert "Inès BERNARD" in text and "Certification CléA" in text and "Île-de-France" in text
    assert f"/certificats/{issued[0].pk}/certificat.pdf" in text


def test_the_list_filters_on_status_and_on_not_transmitted(client_for, supervisor, issued, officer):
    first, second = issued
    revoke_certificate(second, reason="Fraude", actor=supervisor)
    client = client_for(officer)

    revoked_only = page(client.get("/certificats/?statut=revoked"))
    to_send = page(client.get("/certificats/?non_transmis=1"))

    assert second.number in revoked_only and first.number not in revoked_only
    # A revoked certificate is never sent: only the first is to send.
    table = to_send[to_send.index('id="certificates"') :]
    assert first.number in table and second.number not in table


@pytest.mark.parametrize("outsider", ["officer_of_other_region", "evaluator_of_other_organisation"])
def test_outsiders_get_404_on_every_certificate_url_and_an_empty_list(
    request, client_for, outsider, certificate
):
    client = client_for(request.getfixturevalue(outsider))
    urls = urls_of(certificate)
    for name in ("detail", "pdf"):
        assert client.get(urls[name]).status_code == 404
    assert client.post(urls["reissue"]).status_code == 404
    assert client.post(urls["revoke"], {"reason": "Fraude"}).status_code == 404
    assert certificate.number not in page(client.get("/certificats/"))
    certificate.refresh_from_db()
    assert (certificate.status, certificate.duplicates) == (CertificateStatus.ISSUED, 0)


def test_the_evaluator_of_the_files_organisation_sees_the_certificate_but_no_action(
    client_for, evaluator, certificate
):
    text = page(client_for(evaluator).get(urls_of(certificate)["detail"]))
    assert certificate.number in text
    assert 'id="reissue"' not in text and 'id="revoke"' not in text


def test_the_list_runs_the_same_queries_for_few_or_many_certificates(
    client_for, officer, issued, django_assert_max_num_queries
):
    client = client_for(officer)
    client.get("/certificats/")  # warm the session and content types
    with CaptureQueriesContext(connection) as few:
        client.get("/certificats/")
    add_certificates_like(issued[0], 20)
    with django_assert_max_num_queries(len(few)):
        response = client.get("/certificats/")
    assert response.content.decode().count("/certificat.pdf") == 22
    assert len(few) <= 15


def test_the_list_shows_50_certificates_a_page_and_keeps_the_filters(client_for, officer, issued):
    add_certificates_like(issued[0], 55)
    client = client_for(officer)

    first = page(client.get("/certificats/?statut=issued"))
    last = page(client.get("/certificats/?statut=issued&page=2"))

    assert first.count("/certificat.pdf") == 50 and "?statut=issued&page=2" in first
    assert last.count("/certificat.pdf") == 7


def add_certificates_like(certificate: Certificate, count: int) -> None:
    """Volume only: copies of the certified file and its certificate, numbered after it."""
    case_file = certificate.case_file
    for n in range(count):
        case_file.pk = case_file.id = None
        case_file.process = None
        case_file.save()
        certificate.pk = certificate.id = None
        certificate.case_file = case_file
        certificate.number = f"CLEA-{TODAY.year}-IDF-{900 + n:06d}"
        certificate.save()


# PDF, duplicate, withdrawal


def test_the_pdf_is_served_as_pdf_and_never_sniffed(client_for, jury_member, certificate):
    response = client_for(jury_member).get(urls_of(certificate)["pdf"])
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    text = PdfReader(io.BytesIO(b"".join(response.streaming_content))).pages[0].extract_text()
    assert certificate.number in text


def test_a_certificate_being_edited_has_no_pdf(client_for, officer, awarded):
    assert client_for(officer).get(urls_of(awarded[0])["pdf"]).status_code == 404


def test_the_officer_reissues_a_duplicate_marked_as_such(client_for, officer, certificate):
    client = client_for(officer)
    assert 'id="reissue"' in page(client.get(urls_of(certificate)["detail"]))

    response = client.post(urls_of(certificate)["reissue"], follow=True)

    assert f"Un duplicata du certificat {certificate.number} est édité." in page(response)
    certificate.refresh_from_db()
    assert certificate.duplicates == 1
    pdf = client.get(urls_of(certificate)["pdf"])
    assert "Duplicata" in PdfReader(io.BytesIO(b"".join(pdf.streaming_content))).pages[0].extract_text()


def test_a_jury_member_cannot_reissue(client_for, jury_member, certificate):
    response = client_for(jury_member).post(urls_of(certificate)["reissue"], follow=True)
    assert "Vous ne pouvez pas modifier ce certificat." in page(response)
    certificate.refresh_from_db()
    assert certificate.duplicates == 0


def test_revoking_is_for_supervisors_only(client_for, officer, certificate):
    client = client_for(officer)
    assert 'id="revoke"' not in page(client.get(urls_of(certificate)["detail"]))

    response = client.post(urls_of(certificate)["revoke"], {"reason": "Fraude"}, follow=True)

    assert "Vous ne pouvez pas modifier ce certificat." in page(response)
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.ISSUED


def test_revoking_requires_a_reason(client_for, supervisor, certificate):
    response = client_for(supervisor).post(urls_of(certificate)["revoke"], {"reason": "  "}, follow=True)
    assert "Le motif du retrait est obligatoire." in page(response)
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.ISSUED


def test_the_supervisor_revokes_with_a_reason_shown_on_the_page(client_for, supervisor, certificate):
    client = client_for(supervisor)
    assert 'id="revoke"' in page(client.get(urls_of(certificate)["detail"]))

    text = page(client.post(urls_of(certificate)["revoke"], {"reason": "Fraude avérée"}, follow=True))

    assert f"Le certificat {certificate.number} est retiré." in text
    assert "Fraude avérée" in text and 'id="reissue"' not in text
    certificate.refresh_from_db()
    assert (
        certificate.status == CertificateStatus.REVOKED and certificate.revocation_reason == "Fraude avérée"
    )


# Holders and the SI CPF (accrochage certificateur): the card of the list; the transmissions have their own
# tests (tests/backoffice/test_views__transmissions.py).


def test_the_list_counts_holders_to_send_and_those_past_the_3_month_deadline(client_for, officer, issued):
    Certificate.objects.filter(pk=issued[0].pk).update(awarded_on=TODAY - dt.timedelta(days=95))
    text = page(client_for(officer).get("/certificats/"))
    assert '<strong id="not-transmitted">2</strong>' in text
    assert '<strong id="late">1</strong>' in text and "Règle des 3 mois" in text
    assert '<td id="cpf-to-send">2</td>' in text and '<td id="cpf-late">1</td>' in text


def test_an_accepted_holder_is_neither_to_send_nor_late(client_for, officer, issued):
    Certificate.objects.filter(pk=issued[0].pk).update(
        awarded_on=TODAY - dt.timedelta(days=120), cdc_status=CdcStatus.ACCEPTED
    )
    text = page(client_for(officer).get("/certificats/"))
    assert '<strong id="not-transmitted">1</strong>' in text and '<strong id="late">0</strong>' in text
    assert '<td id="cpf-accepted">1</td>' in text


def test_the_list_names_each_holder_whose_identity_is_incomplete_with_a_link_to_complete_it(
    client_for, officer, issued
):
    bernard = issued[0]
    Candidate.objects.filter(pk=bernard.case_file.candidate_id).update(birth_name="", birth_commune_code="")
    text = page(client_for(officer).get("/certificats/"))
    incomplete = text[text.index('id="incomplete"') :]
    assert bernard.number in incomplete and issued[1].number not in incomplete.split("</table>")[0]
    assert "nom de naissance, lieu de naissance (commune ou pays)" in incomplete
    assert f"/candidats/personnes/{bernard.case_file.candidate_id}/" in incomplete
    assert '<td id="cpf-incomplete">1</td>' in text


@pytest.mark.parametrize("persona", ["evaluator", "jury_member"])
def test_the_si_cpf_card_is_for_officers_and_supervisors_only(request, client_for, persona, issued):
    text = page(client_for(request.getfixturevalue(persona)).get("/certificats/"))
    assert 'id="export"' not in text and "cpf-overview" not in text


def test_the_card_stays_within_the_officers_region(client_for, officer_of_other_region, issued):
    text = page(client_for(officer_of_other_region).get("/certificats/"))
    assert '<strong id="not-transmitted">0</strong>' in text and issued[0].number not in text


def test_the_list_filters_holders_by_their_si_cpf_status_and_the_late_ones(client_for, officer, issued):
    first, second = issued
    Certificate.objects.filter(pk=first.pk).update(
        cdc_status=CdcStatus.REJECTED, cdc_message="Aucun titulaire"
    )
    Certificate.objects.filter(pk=second.pk).update(awarded_on=TODAY - dt.timedelta(days=100))
    client = client_for(officer)
    rejected = page(client.get("/certificats/?cpf=rejected"))
    late = page(client.get("/certificats/?en_retard=1"))
    table = lambda text: text[text.index('id="certificates"') :]  # noqa: E731
    assert first.number in table(rejected) and second.number not in table(rejected)
    assert second.number in table(late) and first.number not in table(late)
