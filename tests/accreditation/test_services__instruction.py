"""Processing a submitted application: completeness and requests for information, review on the grid, four
eyes before the board, the board's decision per scope creating the accreditations."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfReader

from accreditation.models import Accreditation, ApplicationStatus, CampaignStatus, Site
from accreditation.services import (
    answer_information_request,
    attach_application_document,
    check_completeness,
    expire_information_request,
    move_campaign,
    propose_to_board,
    record_board_decision,
    record_review,
    save_content,
    start_application,
    store_decision_letter,
    submit_application,
)
from accreditation.services.scopes import set_user_scope
from backoffice.core.accounts.roles import Role
from backoffice.core.audit.events import timeline
from fixtures.demo import make_siret
from tests.accreditation.test_services__campaigns import draft
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()
DAY = dt.timedelta(days=1)


def content_for(organisation) -> dict:
    siret = make_siret(organisation.siren, 321)
    return {
        "identity": {"legal_name": organisation.legal_name, "nda": ""},
        "sites": [
            {
                "siret": siret,
                "name": "Antenne de Saint-Denis",
                "address": "1 rue de Paris",
                "postcode": "93200",
                "city": "Saint-Denis",
                "departments": ["93", "95"],
                "scopes": [
                    {"certification": "CLEA_NUM", "role": "evaluator", "role_label": "Évaluateur"},
                    {"certification": "CLEA_NUM", "role": "trainer", "role_label": "Formateur"},
                ],
            }
        ],
        "qualiopi": {"number": "QUA-1", "expires_on": (TODAY + 400 * DAY).isoformat()},
        "people": [
            {"kind": "assessor", "last_name": "Durand", "first_name": "Claire", "qualifications": "x"}
        ],
        "methods": "Mises en situation professionnelles.",
        "commitment": {"signatory": "Claire Durand", "signed_at": TODAY.isoformat()},
    }


def ready_to_submit(officer, evaluator):
    """An application to an open campaign, complete, with its mandatory documents."""
    campaign = move_campaign(draft(officer), CampaignStatus.OPEN, actor=officer)
    application = start_application(campaign, actor=evaluator)
    save_content(application, content=content_for(application.organisation), actor=evaluator)
    for category in ("kbis", "qualiopi"):
        upload = SimpleUploadedFile(f"{category}.pdf", b"%PDF-1.4 " + category.encode(), "application/pdf")
        attach_application_document(application, upload=upload, category=category, actor=evaluator)
    return application


@pytest.fixture
def submitted(officer, evaluator):
    return submit_application(ready_to_submit(officer, evaluator), actor=evaluator)


@pytest.fixture
def second_supervisor(db):
    user = UserFactory(username="supervisor.two", role=Role.SUPERVISOR)
    set_user_scope(user, national=True, actor=None)
    return user


def scopes_of(application, accepted=(True, True)):
    siret = application.content["sites"][0]["siret"]
    return {
        (siret, "CLEA_NUM", "evaluator"): (accepted[0], "" if accepted[0] else "Outils insuffisants"),
        (siret, "CLEA_NUM", "trainer"): (accepted[1], "" if accepted[1] else "Formateurs non formés"),
    }


def review(application, actor):
    scores = {c.pk: (c.max_score - 1, "Correct") for c in application.campaign.criteria.all()}
    return record_review(application, scores=scores, recommendation="Avis favorable", actor=actor)


def test_a_complete_application_goes_from_review_to_accreditations_per_scope(
    submitted, officer, supervisor, second_supervisor
):
    check_completeness(submitted, complete=True, actor=officer)
    review(submitted, supervisor)

    with pytest.raises(PermissionDenied, match="autre superviseur"):
        propose_to_board(submitted, choices=scopes_of(submitted), actor=supervisor)
    propose_to_board(submitted, choices=scopes_of(submitted), actor=second_supervisor)
    granted = record_board_decision(
        submitted, choices=scopes_of(submitted, (True, False)), actor=second_supervisor
    )

    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.DECIDED
    site = Site.objects.get(siret=submitted.content["sites"][0]["siret"])
    assert site.organisation == submitted.organisation and site.region.code == "IDF"
    assert [(a.site, a.role, a.valid_from) for a in granted] == [
        (site, "evaluator", submitted.campaign.board_on)
    ]
    assert Accreditation.objects.in_force(submitted.campaign.board_on).filter(site=site).count() == 1
    refused = submitted.scopes.get(role="trainer")
    assert refused.accepted is False and refused.reason == "Formateurs non formés"
    assert not submitted.decision_letter  # rendered by the worker after commit, never on the decision path
    assert store_decision_letter(submitted.pk) and not store_decision_letter(submitted.pk)
    submitted.refresh_from_db()
    letter = " ".join(PdfReader(submitted.decision_letter.open("rb")).pages[0].extract_text().split())
    assert "Habilitation accordée" in letter and "Formateurs non formés" in letter
    assert [e.verb for e in timeline(submitted)][-4:] == [
        "application.complete",
        "application.reviewed",
        "application.proposed",
        "application.decided",
    ]


def test_an_incomplete_application_waits_for_the_organisation_then_comes_back(submitted, officer, evaluator):
    with pytest.raises(ValidationError) as error:
        check_completeness(submitted, complete=False, message="", answer_by=TODAY, actor=officer)
    assert len(error.value.messages) == 2
    check_completeness(
        submitted,
        complete=False,
        message="Kbis de moins de 3 mois",
        answer_by=TODAY + 15 * DAY,
        actor=officer,
    )
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.INFORMATION_REQUESTED

    # The content and documents reopen to the organisation while information is requested.
    upload = SimpleUploadedFile("kbis-recent.pdf", b"%PDF-1.4 recent", "application/pdf")
    attach_application_document(submitted, upload=upload, category="kbis", actor=evaluator)
    answer_information_request(submitted, response="Kbis récent joint", actor=evaluator)

    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.SUBMITTED
    check_completeness(submitted, complete=True, actor=officer)


def test_an_unanswered_request_closes_the_application_once(submitted, officer):
    check_completeness(submitted, complete=False, message="Qualiopi", answer_by=TODAY + DAY, actor=officer)
    assert expire_information_request(submitted) is True
    assert expire_information_request(submitted) is False
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.EXPIRED


def test_the_review_scores_every_criterion_within_its_maximum(submitted, officer):
    check_completeness(submitted, complete=True, actor=officer)
    first = submitted.campaign.criteria.first()
    with pytest.raises(ValidationError) as error:
        record_review(submitted, scores={first.pk: (99, "")}, recommendation="", actor=officer)
    text = " ".join(error.value.messages)
    assert "de 0 à" in text and "avis" in text
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.IN_REVIEW and not submitted.scores.exists()


def test_a_refusal_needs_its_reason_and_every_scope_a_decision(
    submitted, officer, supervisor, second_supervisor
):
    check_completeness(submitted, complete=True, actor=officer)
    review(submitted, officer)
    choices = scopes_of(submitted, (False, True))
    choices[next(iter(choices))] = (False, " ")
    with pytest.raises(ValidationError, match="Motivez le refus"):
        propose_to_board(submitted, choices=choices, actor=supervisor)
    with pytest.raises(ValidationError, match="Statuez sur"):
        propose_to_board(submitted, choices={}, actor=supervisor)
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.REVIEWED


def test_organisation_staff_and_officers_cannot_take_the_supervisors_steps(submitted, officer, evaluator):
    with pytest.raises(PermissionDenied):
        check_completeness(submitted, complete=True, actor=evaluator)
    check_completeness(submitted, complete=True, actor=officer)
    review(submitted, officer)
    with pytest.raises(PermissionDenied):
        propose_to_board(submitted, choices=scopes_of(submitted), actor=officer)


def test_the_accreditation_starts_at_the_boards_date_for_the_candidate_pathway(
    submitted, officer, supervisor, second_supervisor, evaluator
):
    from accreditation.models import Certification
    from casefiles.services import open_case_file

    check_completeness(submitted, complete=True, actor=officer)
    review(submitted, officer)
    propose_to_board(submitted, choices=scopes_of(submitted), actor=supervisor)
    record_board_decision(submitted, choices=scopes_of(submitted), actor=supervisor)
    site = Site.objects.get(siret=submitted.content["sites"][0]["siret"])
    board_on = submitted.campaign.board_on
    in_force = Accreditation.objects.filter(site=site, certification__code="CLEA_NUM", role="evaluator")
    assert in_force.in_force(board_on).exists() and not in_force.in_force(TODAY).exists()
    candidate = {
        "last_name": "Roux",
        "first_name": "Léo",
        "birth_date": dt.date(1990, 1, 1),
        "postcode": "93200",
        "status": "employee",
    }
    before_board = submitted.campaign.board_on - DAY
    with pytest.raises(ValidationError, match="n'est pas habilité"):
        open_case_file(
            site=site,
            certification=Certification.objects.get(code="CLEA_NUM"),
            opened_on=min(before_board, TODAY),
            candidate_data=candidate,
            actor=evaluator,
        )


def test_a_renewal_campaign_accepts_only_scopes_held_today(officer, evaluator):
    from accreditation.models import AccreditationCampaign
    from accreditation.selectors import submission_problems

    application = ready_to_submit(officer, evaluator)
    AccreditationCampaign.objects.filter(pk=application.campaign_id).update(audience="renewal")
    application.refresh_from_db()
    problems = submission_problems(application)
    assert sum("Campagne de renouvellement" in p for p in problems) == 2
    with pytest.raises(ValidationError, match="renouvellement"):
        submit_application(application, actor=evaluator)


def test_a_submitted_application_is_not_submitted_again(submitted, officer, evaluator):
    check_completeness(submitted, complete=False, message="Kbis", answer_by=TODAY + 10 * DAY, actor=officer)
    with pytest.raises(ValidationError, match="répondez à la demande de complément"):
        submit_application(submitted, actor=evaluator)
