"""The application wizard through HTTP: a step per page, the draft kept and resumed, documents, submission."""

from __future__ import annotations

import datetime as dt
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accreditation.models import AccreditationApplication, ApplicationStatus, CampaignStatus
from accreditation.services import move_campaign
from backoffice.core.audit.events import timeline
from fixtures.demo import make_siret
from tests.accreditation.test_services__campaigns import draft
from tests.factories import AccreditationFactory, SiteFactory

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()
PDF = b"%PDF-1.4\n% Kbis\n%%EOF\n"


@pytest.fixture
def campaign(officer):
    return move_campaign(draft(officer), CampaignStatus.OPEN, actor=officer)


@pytest.fixture
def staff(client_for, evaluator):
    return client_for(evaluator)


def text(response) -> str:
    return unescape(response.content.decode())


def step_data(application, step: str, siren: str) -> dict:
    """A valid POST for one step of the wizard."""
    data = {
        "identite": {"identite-legal_name": "Institut Test", "identite-nda": "11 75 55555 75"},
        "etablissements": {
            "etablissements-TOTAL_FORMS": "1",
            "etablissements-INITIAL_FORMS": "0",
            "etablissements-0-siret": make_siret(siren, 321),
            "etablissements-0-name": "Antenne de Saint-Denis",
            "etablissements-0-address": "1 rue de Paris",
            "etablissements-0-postcode": "93200",
            "etablissements-0-city": "Saint-Denis",
            "etablissements-0-departments": "93, 95",
            "etablissements-0-evaluator_for": ["CLEA_NUM"],
            "etablissements-0-trainer_for": ["CLEA_NUM"],
        },
        "qualiopi": {
            "qualiopi-number": "QUA-2025-001",
            "qualiopi-expires_on": (TODAY + dt.timedelta(days=400)).isoformat(),
        },
        "intervenants": {
            "intervenants-TOTAL_FORMS": "1",
            "intervenants-INITIAL_FORMS": "0",
            "intervenants-0-kind": "assessor",
            "intervenants-0-last_name": "Durand",
            "intervenants-0-first_name": "Claire",
            "intervenants-0-qualifications": "Formatrice d'adultes, 10 ans",
            "intervenants-0-trained_on_framework": "on",
        },
        "methodes": {"methodes-methods": "Mises en situation professionnelles et entretiens structurés."},
        "engagement": {"engagement-signatory": "Claire Durand, directrice", "engagement-accepted": "on"},
    }[step]
    return {f"application_{application.pk}-current_step": step, **data}


def post_step(client, application, step: str, siren: str, **overrides):
    return client.post(
        f"/campagnes/candidatures/{application.pk}/etape/{step}/",
        {**step_data(application, step, siren), **overrides},
    )


def start(client, campaign) -> AccreditationApplication:
    response = client.post(f"/campagnes/{campaign.pk}/candidater/")
    assert response.status_code == 302, response
    return AccreditationApplication.objects.get()


STEPS = ["identite", "etablissements", "qualiopi", "intervenants", "methodes", "engagement"]


def test_the_draft_is_kept_between_sessions_and_resumed_at_the_step_reached(
    client_for, staff, evaluator, campaign
):
    application = start(staff, campaign)
    siren = application.organisation.siren
    assert post_step(staff, application, "identite", siren).status_code == 302
    assert post_step(staff, application, "etablissements", siren).status_code == 302

    other_session = client_for(evaluator)  # another browser, the next day
    response = other_session.get(f"/campagnes/candidatures/{application.pk}/etape/", follow=True)

    assert response.redirect_chain[-1][0].endswith("/etape/qualiopi/")
    page = text(other_session.get(f"/campagnes/candidatures/{application.pk}/etape/etablissements/"))
    assert "Antenne de Saint-Denis" in page
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT and application.draft


def test_organisation_staff_fill_every_step_join_documents_and_submit(staff, campaign):
    application = start(staff, campaign)
    siren = application.organisation.siren
    for step in STEPS:
        response = post_step(staff, application, step, siren)
        assert response.status_code == 302, text(response)[:3000]
    response = staff.get(response["Location"], follow=True)  # the wizard's end saves the content
    page = text(response)
    assert "Antenne de Saint-Denis" in page and "Claire Durand" in page
    assert "Pièce obligatoire manquante : Extrait Kbis." in page

    for category in ("kbis", "qualiopi"):
        upload = SimpleUploadedFile(
            f"{category}.pdf", PDF + category.encode(), content_type="application/pdf"
        )
        staff.post(
            f"/campagnes/candidatures/{application.pk}/pieces/", {"category": category, "file": upload}
        )
    response = staff.post(f"/campagnes/candidatures/{application.pk}/deposer/", follow=True)

    assert "Votre dossier de candidature est déposé." in text(response)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.sirets == make_siret(siren, 321)
    assert application.content["sites"][0]["scopes"][0]["certification"] == "CLEA_NUM"
    assert [e.verb for e in timeline(application)][-1] == "application.submitted"
    # Submitted: the wizard no longer edits it.
    assert staff.get(f"/campagnes/candidatures/{application.pk}/etape/identite/")["Location"].endswith(
        f"/campagnes/candidatures/{application.pk}/"
    )


def test_a_siret_of_another_organisation_or_an_expired_qualiopi_is_refused_in_french(staff, campaign):
    application = start(staff, campaign)
    siren = application.organisation.siren
    post_step(staff, application, "identite", siren)
    response = post_step(
        staff, application, "etablissements", siren, **{"etablissements-0-siret": make_siret("732829320", 5)}
    )
    assert response.status_code == 200
    assert "Ce SIRET n'appartient pas à votre organisme" in text(response)
    post_step(staff, application, "etablissements", siren)
    response = post_step(
        staff,
        application,
        "qualiopi",
        siren,
        **{"qualiopi-expires_on": (TODAY - dt.timedelta(days=1)).isoformat()},
    )
    assert "Ce certificat Qualiopi est expiré." in text(response)


def test_a_document_that_is_not_what_it_claims_is_refused(staff, campaign):
    application = start(staff, campaign)
    fake = SimpleUploadedFile("kbis.pdf", b"MZ\x90\x00 executable", content_type="application/pdf")
    response = staff.post(
        f"/campagnes/candidatures/{application.pk}/pieces/", {"category": "kbis", "file": fake}, follow=True
    )
    assert "Seuls les documents PDF et les images PNG ou JPEG sont acceptés." in text(response)
    assert not application.documents.exists()


def test_submission_after_the_deadline_is_refused_and_nothing_changes(staff, campaign):
    application = start(staff, campaign)
    type(campaign).objects.filter(pk=campaign.pk).update(
        opens_on=TODAY - dt.timedelta(days=40), deadline=TODAY - dt.timedelta(days=1)
    )
    response = staff.post(f"/campagnes/candidatures/{application.pk}/deposer/", follow=True)
    assert "Les dépôts de cette campagne sont clos" in text(response)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT


def problems_with_the_site_accredited(staff, campaign, *, valid_from, valid_to) -> list[str]:
    """Fill every step, then accredit the new site's SIRET for CLEA_NUM over the given period."""
    from accreditation.models import Certification
    from accreditation.selectors import submission_problems

    application = start(staff, campaign)
    siren = application.organisation.siren
    for step in STEPS:
        post_step(staff, application, step, siren)
    staff.get(f"/campagnes/candidatures/{application.pk}/etape/fin/")
    application.refresh_from_db()
    site = SiteFactory(organisation=application.organisation, siret=make_siret(siren, 321))
    AccreditationFactory(
        site=site,
        certification=Certification.objects.get(code="CLEA_NUM"),
        valid_from=valid_from,
        valid_to=valid_to,
    )
    return submission_problems(application)


def test_a_siret_already_accredited_beyond_the_board_is_refused(staff, campaign, evaluator):
    problems = problems_with_the_site_accredited(
        staff,
        campaign,
        valid_from=TODAY - dt.timedelta(days=10),
        valid_to=campaign.board_on + dt.timedelta(days=365),
    )
    assert any("est déjà habilité" in p for p in problems)


def test_another_organisation_gets_404_on_the_application(
    client_for, staff, campaign, evaluator_of_other_organisation
):
    application = start(staff, campaign)
    other = client_for(evaluator_of_other_organisation)
    for url in (
        f"/campagnes/candidatures/{application.pk}/",
        f"/campagnes/candidatures/{application.pk}/etape/identite/",
    ):
        assert other.get(url).status_code == 404, url
    for url in (
        f"/campagnes/candidatures/{application.pk}/pieces/",
        f"/campagnes/candidatures/{application.pk}/deposer/",
    ):
        assert other.post(url, {}).status_code == 404, url
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT


def test_a_second_start_resumes_the_same_draft(staff, campaign):
    first = start(staff, campaign)
    staff.post(f"/campagnes/{campaign.pk}/candidater/")
    assert AccreditationApplication.objects.get() == first


def test_one_more_site_row_without_javascript(staff, campaign):
    application = start(staff, campaign)
    post_step(staff, application, "identite", application.organisation.siren)
    data = step_data(application, "etablissements", application.organisation.siren)
    response = staff.post(
        f"/campagnes/candidatures/{application.pk}/etape/etablissements/", {**data, "add_row": "1"}
    )
    assert 'name="etablissements-1-siret"' in text(response)


def test_the_sites_step_starts_from_the_organisations_known_establishments(staff, campaign, idf_site):
    application = start(staff, campaign)
    post_step(staff, application, "identite", application.organisation.siren)
    page = text(staff.get(f"/campagnes/candidatures/{application.pk}/etape/etablissements/"))
    assert idf_site.siret in page and idf_site.name in page


def test_an_unknown_postcode_is_refused_in_the_sites_step(staff, campaign):
    application = start(staff, campaign)
    siren = application.organisation.siren
    post_step(staff, application, "identite", siren)
    response = post_step(
        staff, application, "etablissements", siren, **{"etablissements-0-postcode": "98000"}
    )
    assert "Ce code postal ne correspond à aucun département." in text(response)


def test_an_accreditation_ending_on_the_boards_date_still_blocks_the_scope(staff, campaign):
    problems = problems_with_the_site_accredited(
        staff, campaign, valid_from=campaign.board_on - dt.timedelta(days=365), valid_to=campaign.board_on
    )
    assert any("est déjà habilité" in p for p in problems)
