"""The approval of an application through HTTP: submission starts it, officers check and review, a second
supervisor proposes, the board decides per scope; information requests, their expiry and escalations."""

from __future__ import annotations

import datetime as dt
from html import unescape

import pytest
from django.utils import timezone
from viewflow.workflow.status import PROCESS, STATUS
from viewflow.workflow.timers import fire_due_timers

from accreditation.models import Accreditation, ApplicationStatus
from accreditation.services.scopes import set_user_scope
from backoffice.core.accounts.roles import Role
from backoffice.core.audit.events import timeline
from tests.accreditation.test_services__instruction import ready_to_submit
from tests.factories import UserFactory
from workflows.models import AccreditationApprovalTask

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()
FLOW = "workflows/approval.flow.AccreditationApprovalFlow"


@pytest.fixture
def application(officer, evaluator):
    return ready_to_submit(officer, evaluator)


@pytest.fixture
def submitted(client_for, evaluator, application):
    response = client_for(evaluator).post(f"/campagnes/candidatures/{application.pk}/deposer/", follow=True)
    assert "Votre dossier de candidature est déposé." in unescape(response.content.decode())
    application.refresh_from_db()
    return application


@pytest.fixture
def second_supervisor(db):
    user = UserFactory(username="supervisor.two", role=Role.SUPERVISOR)
    set_user_scope(user, national=True, actor=None)
    return user


def waiting(application, node: str) -> AccreditationApprovalTask:
    return AccreditationApprovalTask.objects.get(
        process_id=application.process_id,
        flow_task=f"{FLOW}.{node}",
        status__in=[STATUS.NEW, STATUS.ASSIGNED, STATUS.SCHEDULED],
    )


def do(client, application, node: str, data: dict):
    task = waiting(application, node)
    base = f"/instruction/{application.process_id}/{node}/{task.pk}"
    client.post(f"{base}/assign/", {})
    return client.post(f"{base}/execute/", data)


def scope_data(accept=("1", "1"), reasons=("", "")) -> dict:
    return {"accept_0": accept[0], "reason_0": reasons[0], "accept_1": accept[1], "reason_1": reasons[1]}


def review_data(application) -> dict:
    data = {"recommendation": "Avis favorable"}
    for criterion in application.campaign.criteria.all():
        data[f"score_{criterion.pk}"] = criterion.max_score
        data[f"comment_{criterion.pk}"] = "Bien"
    return data


def test_from_submission_to_the_boards_partial_decision(
    client_for, submitted, officer, supervisor, second_supervisor
):
    assert submitted.status == ApplicationStatus.SUBMITTED and submitted.process_id
    assert do(client_for(officer), submitted, "completeness_check", {"complete": "1"}).status_code == 302
    assert do(client_for(supervisor), submitted, "review", review_data(submitted)).status_code == 302

    # Four eyes: the reviewer cannot propose; the task stays open with the French message.
    response = do(client_for(supervisor), submitted, "proposal", scope_data())
    assert response.status_code == 200
    assert "autre superviseur" in unescape(response.content.decode())
    client_for(supervisor).post(
        f"/instruction/{submitted.process_id}/proposal/{waiting(submitted, 'proposal').pk}/unassign/", {}
    )
    assert do(client_for(second_supervisor), submitted, "proposal", scope_data()).status_code == 302
    response = do(
        client_for(second_supervisor),
        submitted,
        "board_decision",
        scope_data(("1", "0"), ("", "Formateurs non formés")),
    )
    assert response.status_code == 302

    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.DECIDED
    submitted.process.refresh_from_db()
    assert submitted.process.status == PROCESS.DONE
    granted = Accreditation.objects.filter(site__siret=submitted.content["sites"][0]["siret"])
    assert list(granted.values_list("role", flat=True)) == ["evaluator"]


def test_an_information_request_waits_for_the_organisation_and_comes_back(
    client_for, submitted, officer, evaluator
):
    answer_by = TODAY + dt.timedelta(days=15)
    do(
        client_for(officer),
        submitted,
        "completeness_check",
        {"complete": "0", "message": "Kbis de moins de 3 mois", "answer_by": answer_by.isoformat()},
    )
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.INFORMATION_REQUESTED
    timer = waiting(submitted, "awaiting_information__timeout")
    assert timezone.localtime(timer.scheduled).date() == answer_by + dt.timedelta(days=1)

    page = unescape(client_for(evaluator).get(f"/campagnes/candidatures/{submitted.pk}/").content.decode())
    assert "Kbis de moins de 3 mois" in page
    response = client_for(evaluator).post(
        f"/campagnes/candidatures/{submitted.pk}/repondre/", {"response": "Kbis récent joint"}, follow=True
    )

    assert "Votre réponse est transmise" in unescape(response.content.decode())
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.SUBMITTED
    assert waiting(submitted, "completeness_check")


def test_an_unanswered_request_expires_by_the_timer(client_for, submitted, officer):
    do(
        client_for(officer),
        submitted,
        "completeness_check",
        {"complete": "0", "message": "Qualiopi", "answer_by": (TODAY + dt.timedelta(days=1)).isoformat()},
    )
    timer = waiting(submitted, "awaiting_information__timeout")
    AccreditationApprovalTask.objects.filter(pk=timer.pk).update(
        scheduled=timezone.now() - dt.timedelta(minutes=1)
    )

    assert fire_due_timers() == 1

    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.EXPIRED
    submitted.process.refresh_from_db()
    assert submitted.process.status == PROCESS.DONE


def test_a_late_completeness_check_escalates_to_the_supervisors(client_for, submitted, officer, supervisor):
    timer = waiting(submitted, "completeness_check__timeout")
    AccreditationApprovalTask.objects.filter(pk=timer.pk).update(
        scheduled=timezone.now() - dt.timedelta(minutes=1)
    )

    fire_due_timers()

    submitted.refresh_from_db()
    assert submitted.escalated
    escalated = waiting(submitted, "completeness_check_escalated")
    base = f"/instruction/{submitted.process_id}/completeness_check_escalated/{escalated.pk}"
    client_for(officer).post(f"{base}/assign/", {})
    escalated.refresh_from_db()
    assert escalated.owner_id is None  # the officer no longer holds it
    assert (
        do(client_for(supervisor), submitted, "completeness_check_escalated", {"complete": "1"}).status_code
        == 302
    )
    assert waiting(submitted, "review")


def test_organisations_reach_no_approval_page(
    client_for, submitted, evaluator, evaluator_of_other_organisation
):
    task = waiting(submitted, "completeness_check")
    pages = [
        f"/instruction/{submitted.process_id}/",
        f"/instruction/{submitted.process_id}/completeness_check/{task.pk}/",
    ]
    for outsider in (evaluator, evaluator_of_other_organisation):
        client = client_for(outsider)
        for page in pages:
            assert client.get(page).status_code in (403, 404), page
    other = client_for(evaluator_of_other_organisation)
    assert (
        other.post(f"/campagnes/candidatures/{submitted.pk}/repondre/", {"response": "x"}).status_code == 404
    )
    assert other.post(f"/campagnes/candidatures/{submitted.pk}/deposer/", {}).status_code == 404


def test_two_information_requests_then_a_full_refusal(
    client_for, submitted, officer, evaluator, supervisor, second_supervisor
):
    for round_ in (1, 2):
        do(
            client_for(officer),
            submitted,
            "completeness_check",
            {
                "complete": "0",
                "message": f"Demande n° {round_}",
                "answer_by": (TODAY + dt.timedelta(days=10)).isoformat(),
            },
        )
        client_for(evaluator).post(
            f"/campagnes/candidatures/{submitted.pk}/repondre/", {"response": f"Réponse {round_}"}
        )
    do(client_for(officer), submitted, "completeness_check", {"complete": "1"})
    do(client_for(officer), submitted, "review", review_data(submitted))
    refuse = scope_data(("0", "0"), ("Outils insuffisants", "Formateurs non formés"))
    do(client_for(supervisor), submitted, "proposal", refuse)
    do(client_for(second_supervisor), submitted, "board_decision", refuse)

    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.DECIDED
    assert not Accreditation.objects.filter(site__siret=submitted.content["sites"][0]["siret"]).exists()
    verbs = [e.verb for e in timeline(submitted)]
    assert verbs.count("application.information_requested") == 2
    assert verbs.count("application.information_provided") == 2


def request_information(client, application, *, days: int = 10):
    return do(
        client,
        application,
        "completeness_check",
        {
            "complete": "0",
            "message": "Kbis récent",
            "answer_by": (TODAY + dt.timedelta(days=days)).isoformat(),
        },
    )


def test_resubmitting_during_a_request_is_refused_and_one_process_remains(
    client_for, submitted, officer, evaluator
):
    request_information(client_for(officer), submitted)
    response = client_for(evaluator).post(f"/campagnes/candidatures/{submitted.pk}/deposer/", follow=True)
    assert "déjà en cours d'instruction" in unescape(response.content.decode())
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.INFORMATION_REQUESTED
    assert AccreditationApprovalTask.objects.filter(flow_task=f"{FLOW}.start").count() == 1


def test_a_late_answer_is_refused(client_for, submitted, officer, evaluator):
    from accreditation.models import AccreditationApplication

    request_information(client_for(officer), submitted)
    AccreditationApplication.objects.filter(pk=submitted.pk).update(answer_by=TODAY - dt.timedelta(days=1))
    response = client_for(evaluator).post(
        f"/campagnes/candidatures/{submitted.pk}/repondre/", {"response": "Trop tard"}, follow=True
    )
    assert "Le délai de réponse a expiré" in unescape(response.content.decode())
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.INFORMATION_REQUESTED


def test_an_overlong_request_is_a_form_error_not_a_crash(client_for, submitted, officer):
    response = do(
        client_for(officer),
        submitted,
        "completeness_check",
        {"complete": "0", "message": "x" * 2500, "answer_by": (TODAY + dt.timedelta(days=5)).isoformat()},
    )
    assert response.status_code == 200
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.SUBMITTED


def test_steps_cannot_be_cancelled_or_undone_by_hand(client_for, submitted, officer, supervisor):
    request_information(client_for(officer), submitted)
    task = waiting(submitted, "awaiting_information")
    base = f"/instruction/{submitted.process_id}"
    response = client_for(supervisor).post(f"{base}/awaiting_information/{task.pk}/cancel/", {}, follow=True)
    assert "Action indisponible" in unescape(response.content.decode())
    assert client_for(supervisor).post(f"{base}/cancel/", {}).status_code == 302
    task.refresh_from_db()
    assert task.status == STATUS.NEW
    submitted.process.refresh_from_db()
    assert submitted.process.status != PROCESS.CANCELED


def test_the_organisation_does_not_see_the_internal_review(client_for, submitted, officer, evaluator):
    do(client_for(officer), submitted, "completeness_check", {"complete": "1"})
    do(client_for(officer), submitted, "review", review_data(submitted))
    page = unescape(client_for(evaluator).get(f"/campagnes/candidatures/{submitted.pk}/").content.decode())
    assert "Avis favorable" not in page and "Dossier de candidature déposé." in page
    assert "Avis favorable" in unescape(
        client_for(officer).get(f"/campagnes/candidatures/{submitted.pk}/").content.decode()
    )


def test_the_answer_resumes_the_checks_clock_with_the_days_that_were_left(
    client_for, submitted, officer, evaluator
):
    from accreditation.models import AccreditationApplication

    request_information(client_for(officer), submitted)
    # The request came at day 4 of the 10-day check, twenty days ago: 6 days were left.
    now = timezone.now()
    AccreditationApplication.objects.filter(pk=submitted.pk).update(
        clock_paused_at=now - dt.timedelta(days=20), check_due_at=now - dt.timedelta(days=14)
    )

    client_for(evaluator).post(
        f"/campagnes/candidatures/{submitted.pk}/repondre/", {"response": "Kbis joint"}
    )

    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.SUBMITTED and submitted.clock_paused_at is None
    assert timezone.localtime(submitted.check_due_at).date() == TODAY + dt.timedelta(days=6)  # not 10
    assert waiting(submitted, "completeness_check__timeout").scheduled == submitted.check_due_at
