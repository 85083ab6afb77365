"""Applications freeze at the deadline: a request for information reopens only what it names, the scope asked
and the commitment never change, the submission's checks run again on the answer, and the request pauses the
completeness check's clock (the answer resumes it with the days that were left)."""

from __future__ import annotations

import copy
import datetime as dt
import re
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accreditation.models import (
    AccreditationApplication,
    AccreditationCampaign,
    ApplicationStatus,
    CampaignStatus,
    Certification,
)
from accreditation.services import (
    answer_information_request,
    attach_application_document,
    check_completeness,
    move_campaign,
    save_content,
    start_application,
    submit_application,
)
from backoffice.core.audit.events import timeline
from fixtures.demo import make_siret
from tests.accreditation.test_services__campaigns import draft
from tests.accreditation.test_services__instruction import content_for, ready_to_submit
from tests.factories import AccreditationFactory, SiteFactory

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()
DAY = dt.timedelta(days=1)
FROZEN = "La date limite de dépôt est passée"


@pytest.fixture
def submitted(officer, evaluator):
    return submit_application(ready_to_submit(officer, evaluator), actor=evaluator)


def pass_the_deadline(application) -> None:
    """The campaign's deadline was ten days ago (the board sits in twenty days)."""
    AccreditationCampaign.objects.filter(pk=application.campaign_id).update(
        opens_on=TODAY - 40 * DAY, deadline=TODAY - 10 * DAY, board_on=TODAY + 20 * DAY
    )


def ask(application, officer, *, answer_by=TODAY + 15 * DAY, **items):
    return check_completeness(
        application, complete=False, message="Complément", answer_by=answer_by, actor=officer, **items
    )


def pdf(category: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(f"{category}-2.pdf", b"%PDF-1.4 new " + category.encode(), "application/pdf")


def reloaded(application) -> AccreditationApplication:
    return AccreditationApplication.objects.get(pk=application.pk)


def verbs(application) -> list[str]:
    return [e.verb for e in timeline(application)]


# --- The scope and the commitment are frozen after the deadline --------------------------------------------


def test_after_the_deadline_an_answer_adding_a_site_is_refused_and_changes_nothing(
    submitted, officer, evaluator
):
    pass_the_deadline(submitted)
    ask(submitted, officer, sections=["sites"])
    before, events = reloaded(submitted).content, verbs(submitted)
    content = copy.deepcopy(before)
    extra = {**content["sites"][0], "siret": make_siret(submitted.organisation.siren, 999)}
    content["sites"].append(extra)

    with pytest.raises(ValidationError, match="habilitations demandées ne changent plus"):
        save_content(submitted, content=content, actor=evaluator)

    assert reloaded(submitted).content == before
    assert verbs(submitted) == events


def test_after_the_deadline_adding_a_scope_to_a_site_is_refused(submitted, officer, evaluator):
    pass_the_deadline(submitted)
    ask(submitted, officer, sections=["sites"])
    content = copy.deepcopy(reloaded(submitted).content)
    content["sites"][0]["scopes"].append(
        {"certification": "CLEA", "role": "evaluator", "role_label": "Évaluateur"}
    )

    with pytest.raises(ValidationError, match="habilitations demandées ne changent plus"):
        save_content(submitted, content=content, actor=evaluator)

    assert len(reloaded(submitted).content["sites"][0]["scopes"]) == 2


def test_after_the_deadline_a_requested_correction_of_an_establishments_address_is_accepted(
    submitted, officer, evaluator
):
    pass_the_deadline(submitted)
    ask(submitted, officer, sections=["sites"])
    content = copy.deepcopy(reloaded(submitted).content)
    content["sites"][0]["address"] = "3 rue de Paris"

    save_content(submitted, content=content, actor=evaluator)

    assert reloaded(submitted).content["sites"][0]["address"] == "3 rue de Paris"
    assert verbs(submitted)[-1] == "application.completed"


def test_after_the_deadline_the_commitment_never_changes(submitted, officer, evaluator):
    pass_the_deadline(submitted)
    ask(submitted, officer, sections=["identity", "sites", "qualiopi", "people", "methods"])
    content = copy.deepcopy(reloaded(submitted).content)
    content["commitment"] = {"signatory": "Quelqu'un d'autre", "signed_at": TODAY.isoformat()}

    with pytest.raises(ValidationError, match="« Engagement signé », qui ne change plus"):
        save_content(submitted, content=content, actor=evaluator)

    assert reloaded(submitted).content["commitment"]["signatory"] == "Claire Durand"


def test_a_request_cannot_reopen_the_commitment(submitted, officer):
    with pytest.raises(
        ValidationError, match="l'engagement signé et les habilitations demandées ne se rouvrent"
    ):
        ask(submitted, officer, sections=["commitment"])

    assert reloaded(submitted).status == ApplicationStatus.SUBMITTED


def test_after_the_deadline_a_section_the_request_does_not_name_is_refused(submitted, officer, evaluator):
    pass_the_deadline(submitted)
    ask(submitted, officer, documents=["kbis"])
    content = {**reloaded(submitted).content, "methods": "Autres méthodes, ajoutées après la date limite."}

    with pytest.raises(ValidationError, match="ne porte pas sur « Méthodes et outils »"):
        save_content(submitted, content=content, actor=evaluator)

    assert reloaded(submitted).content["methods"] == "Mises en situation professionnelles."


def test_before_the_deadline_a_request_reopens_the_whole_content(submitted, officer, evaluator):
    ask(submitted, officer, documents=["kbis"])
    content = copy.deepcopy(reloaded(submitted).content)
    content["sites"][0]["scopes"].append(
        {"certification": "CLEA", "role": "evaluator", "role_label": "Évaluateur"}
    )

    save_content(submitted, content=content, actor=evaluator)

    assert len(reloaded(submitted).content["sites"][0]["scopes"]) == 3


# --- Only what the request names is answered ---------------------------------------------------------------


def test_after_the_deadline_only_the_requested_documents_are_joined_and_the_answer_is_accepted(
    submitted, officer, evaluator
):
    pass_the_deadline(submitted)
    ask(submitted, officer, documents=["kbis"])

    with pytest.raises(
        ValidationError, match="seules les pièces demandées peuvent être jointes \\(Extrait Kbis\\)"
    ):
        attach_application_document(submitted, upload=pdf("tools"), category="tools", actor=evaluator)
    assert not submitted.documents.filter(category="tools").exists()

    attach_application_document(submitted, upload=pdf("kbis"), category="kbis", actor=evaluator)
    answer_information_request(submitted, response="Kbis récent joint", actor=evaluator)

    application = reloaded(submitted)
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.documents.filter(category="kbis").count() == 2
    assert verbs(submitted)[-1] == "application.information_provided"


def test_an_answer_without_the_requested_document_is_refused(submitted, officer, evaluator):
    pass_the_deadline(submitted)
    ask(submitted, officer, documents=["cv"])

    with pytest.raises(ValidationError, match="Pièce demandée non jointe : CV d'évaluateur ou de formateur"):
        answer_information_request(submitted, response="Voici", actor=evaluator)

    assert reloaded(submitted).status == ApplicationStatus.INFORMATION_REQUESTED


def test_each_question_asked_gets_its_answer_and_nothing_more(submitted, officer, evaluator):
    pass_the_deadline(submitted)
    ask(submitted, officer, questions=["Combien d'évaluateurs sont formés ?"])

    with pytest.raises(
        ValidationError, match=re.escape("Répondez à la question « Combien d'évaluateurs sont formés ? »")
    ):
        answer_information_request(submitted, response="Voici", actor=evaluator)
    with pytest.raises(ValidationError, match="seulement aux questions posées"):
        answer_information_request(
            submitted, response="Voici", answers=["Deux", "Et un site"], actor=evaluator
        )
    assert reloaded(submitted).status == ApplicationStatus.INFORMATION_REQUESTED

    answer_information_request(submitted, response="Voici", answers=["Deux"], actor=evaluator)

    assert reloaded(submitted).status == ApplicationStatus.SUBMITTED
    answer = timeline(submitted).last()
    assert (
        answer.data["answers"] == ["Deux"] and "Combien d'évaluateurs sont formés ? : Deux" in answer.summary
    )


# --- The submission's checks run again on the answer -------------------------------------------------------


def test_a_qualiopi_expired_at_the_deadline_is_refused_in_the_answer(submitted, officer, evaluator):
    pass_the_deadline(submitted)
    ask(submitted, officer, sections=["qualiopi"])
    content = {
        **reloaded(submitted).content,
        "qualiopi": {"number": "QUA-2", "expires_on": (TODAY - 11 * DAY).isoformat()},
    }
    save_content(submitted, content=content, actor=evaluator)

    with pytest.raises(ValidationError, match="Qualiopi expire avant la date limite de dépôt"):
        answer_information_request(submitted, response="Nouveau Qualiopi", actor=evaluator)

    assert reloaded(submitted).status == ApplicationStatus.INFORMATION_REQUESTED
    assert verbs(submitted)[-1] != "application.information_provided"


def test_a_qualiopi_delivered_after_the_deadline_is_refused_in_the_answer(submitted, officer, evaluator):
    pass_the_deadline(submitted)
    ask(submitted, officer, sections=["qualiopi"])
    qualiopi = {
        "number": "QUA-3",
        "issued_on": (TODAY - DAY).isoformat(),
        "expires_on": (TODAY + 900 * DAY).isoformat(),
    }
    save_content(submitted, content={**reloaded(submitted).content, "qualiopi": qualiopi}, actor=evaluator)

    with pytest.raises(ValidationError, match="pas encore délivré à la date limite"):
        answer_information_request(submitted, response="Nouveau Qualiopi", actor=evaluator)

    assert reloaded(submitted).status == ApplicationStatus.INFORMATION_REQUESTED


def test_a_scope_held_since_the_submission_is_refused_in_the_answer(submitted, officer, evaluator):
    pass_the_deadline(submitted)
    ask(submitted, officer, questions=["Précisez vos locaux."])
    siret = submitted.content["sites"][0]["siret"]
    site = SiteFactory(organisation=submitted.organisation, siret=siret)
    AccreditationFactory(
        site=site, certification=Certification.objects.get(code="CLEA_NUM"), role="evaluator"
    )

    with pytest.raises(ValidationError, match=f"Le SIRET {siret} est déjà habilité"):
        answer_information_request(
            submitted, response="Voici", answers=["Au rez-de-chaussée"], actor=evaluator
        )

    assert reloaded(submitted).status == ApplicationStatus.INFORMATION_REQUESTED


def test_a_renewal_campaign_checks_again_that_every_scope_was_held(officer, evaluator):
    campaign = move_campaign(draft(officer, audience="renewal"), CampaignStatus.OPEN, actor=officer)
    application = start_application(campaign, actor=evaluator)
    content = content_for(application.organisation)
    site = SiteFactory(organisation=application.organisation, siret=content["sites"][0]["siret"])
    for role in ("evaluator", "trainer"):  # held today, ending before the board: renewals
        AccreditationFactory(
            site=site,
            certification=Certification.objects.get(code="CLEA_NUM"),
            role=role,
            valid_from=TODAY - 1000 * DAY,
            valid_to=TODAY + 40 * DAY,
        )
    save_content(application, content=content, actor=evaluator)
    for category in ("kbis", "qualiopi"):
        attach_application_document(application, upload=pdf(category), category=category, actor=evaluator)
    submit_application(application, actor=evaluator)
    ask(application, officer, sections=["sites"])  # before the deadline: the whole content reopens
    widened = copy.deepcopy(content)
    new_siret = make_siret(site.organisation.siren, 998)
    widened["sites"].append({**content["sites"][0], "siret": new_siret})
    save_content(application, content=widened, actor=evaluator)

    with pytest.raises(
        ValidationError, match=f"Campagne de renouvellement : le SIRET {new_siret} n'est pas habilité"
    ):
        answer_information_request(application, response="Un site de plus", actor=evaluator)

    assert reloaded(application).status == ApplicationStatus.INFORMATION_REQUESTED


# --- The request pauses the check's clock; the answer resumes it -------------------------------------------


def test_a_request_at_day_4_of_10_answered_20_days_later_leaves_6_days(submitted, officer, evaluator):
    submitted_at = reloaded(submitted).submitted_at
    assert reloaded(submitted).check_due_at == submitted_at + 10 * DAY

    with mock.patch("django.utils.timezone.now", return_value=submitted_at + 4 * DAY):
        ask(submitted, officer, questions=["Vos locaux ?"], answer_by=TODAY + 40 * DAY)
    paused = reloaded(submitted)
    assert paused.clock_paused_at == submitted_at + 4 * DAY
    answered_at = submitted_at + 24 * DAY
    with mock.patch("django.utils.timezone.now", return_value=answered_at):
        answer_information_request(submitted, response="Voici", answers=["Paris"], actor=evaluator)

    resumed = reloaded(submitted)
    assert resumed.check_due_at == answered_at + 6 * DAY  # not a fresh 10 days
    assert resumed.clock_paused_at is None
    assert timeline(submitted).last().data["check_due_at"] == (answered_at + 6 * DAY).isoformat()
    assert (
        f"vérification due le {timezone.localtime(answered_at + 6 * DAY):%d/%m/%Y}"
        in timeline(submitted).last().summary
    )


def test_a_check_already_late_when_paused_is_due_at_once_on_the_answer(submitted, officer, evaluator):
    submitted_at = reloaded(submitted).submitted_at
    with mock.patch("django.utils.timezone.now", return_value=submitted_at + 12 * DAY):
        ask(submitted, officer, questions=["Vos locaux ?"])
    with mock.patch("django.utils.timezone.now", return_value=submitted_at + 15 * DAY):
        answer_information_request(submitted, response="Voici", answers=["Paris"], actor=evaluator)

    assert reloaded(submitted).check_due_at == submitted_at + 15 * DAY
