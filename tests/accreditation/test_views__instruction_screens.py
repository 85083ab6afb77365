"""The case officers' screens of a campaign: counts, search, the application page with documents, notes and
timeline; organisations never see the internal notes nor another organisation's documents."""

from __future__ import annotations

from html import unescape

import pytest

from accreditation.models import ApplicationNote
from accreditation.services import submit_application
from tests.accreditation.test_services__instruction import ready_to_submit
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return unescape(response.content.decode())


@pytest.fixture
def submitted(officer, evaluator):
    return submit_application(ready_to_submit(officer, evaluator), actor=evaluator)


def test_the_campaign_page_counts_and_finds_applications_by_name_siren_or_siret(
    client_for, officer, submitted
):
    client = client_for(officer)
    base = f"/campagnes/{submitted.campaign_id}/"
    page = text(client.get(base))
    assert "Déposé, à vérifier : " in page and submitted.legal_name in page
    for query in (submitted.legal_name[:6], submitted.siren, submitted.sirets.split()[0]):
        assert submitted.legal_name in text(client.get(base, {"q": query})), query
    assert submitted.legal_name not in text(client.get(base, {"q": "Organisme inconnu"}))
    assert submitted.legal_name not in text(client.get(base, {"statut": "decided"}))


def test_officers_note_internally_and_organisations_never_see_it(client_for, officer, evaluator, submitted):
    response = client_for(officer).post(
        f"/campagnes/candidatures/{submitted.pk}/notes/", {"text": "Vérifier le Kbis"}, follow=True
    )
    assert "Vérifier le Kbis" in text(response) and "Note interne ajoutée" in text(response)
    assert "Vérifier le Kbis" not in text(
        client_for(evaluator).get(f"/campagnes/candidatures/{submitted.pk}/")
    )
    assert (
        client_for(evaluator)
        .post(f"/campagnes/candidatures/{submitted.pk}/notes/", {"text": "x"})
        .status_code
        == 404
    )
    assert ApplicationNote.objects.count() == 1


def test_documents_open_for_staff_and_the_organisation_but_not_for_another(
    client_for, officer, evaluator, evaluator_of_other_organisation, submitted
):
    document = submitted.documents.first()
    url = f"/campagnes/candidatures/pieces/{document.pk}/"
    for reader in (officer, evaluator):
        response = client_for(reader).get(url)
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert client_for(evaluator_of_other_organisation).get(url).status_code == 404
    assert (
        client_for(evaluator_of_other_organisation)
        .get(f"/campagnes/candidatures/{submitted.pk}/")
        .status_code
        == 404
    )


def test_the_campaign_page_runs_a_constant_number_of_queries(
    client_for, officer, submitted, django_assert_max_num_queries
):
    client = client_for(officer)
    with django_assert_max_num_queries(20) as few:
        client.get(f"/campagnes/{submitted.campaign_id}/")
    from accreditation.models import AccreditationApplication

    for n in range(5):  # more applications of other organisations
        AccreditationApplication.objects.create(
            campaign=submitted.campaign,
            organisation=OrganisationFactory(),
            legal_name=f"Organisme {n}",
            status="submitted",
            created_by=officer,
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(f"/campagnes/{submitted.campaign_id}/")


def test_the_checklist_shows_what_passed_and_what_did_not(client_for, officer, submitted):
    submitted.documents.filter(category="kbis").delete()
    page = text(client_for(officer).get(f"/campagnes/candidatures/{submitted.pk}/"))
    assert "✔ Certificat Qualiopi joint" in page
    assert "✘ Extrait Kbis joint" in page
    assert "✔ Qualiopi valable à la date limite" in page


def test_the_campaign_page_shows_each_applications_due_date(client_for, officer, submitted, settings):
    import datetime as dt

    from django.utils import timezone

    due = timezone.localtime(submitted.submitted_at).date() + dt.timedelta(
        days=settings.APPLICATION_CHECK_DAYS
    )
    assert f"{due:%d/%m/%Y}" in text(client_for(officer).get(f"/campagnes/{submitted.campaign_id}/"))
