"""A supervisor undoes a closed step: the file goes back, the step can be done again, the timeline says so."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from viewflow.workflow.status import STATUS

from backoffice.core.audit.events import timeline
from casefiles.models import CaseFileState, DomainStatus
from casefiles.services import undo_step
from tests.workflows.test_flow__pathway_http import open_and_position
from workflows.models import CandidatePathwayTask

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()


@pytest.fixture
def positioned(client_for, evaluator, idf_site, clea, assessor):
    case_file = open_and_position(client_for(evaluator), idf_site, clea, assessor, missing=("D2",))
    assert case_file.state == CaseFileState.TRAINING
    return case_file


def task_of(case_file, node: str, status: str) -> CandidatePathwayTask:
    return CandidatePathwayTask.objects.get(
        process=case_file.process,
        status=status,
        flow_task=f"workflows/pathway.flow.CandidatePathwayFlow.{node}",
    )


def test_only_a_supervisor_can_undo_a_step(positioned, evaluator, officer):
    for person in (evaluator, officer):
        with pytest.raises(PermissionDenied):
            undo_step(positioned, "positioning", actor=person)
    positioned.refresh_from_db()
    assert positioned.state == CaseFileState.TRAINING


def test_undoing_the_positioning_resets_the_grid_and_records_who(positioned, supervisor):
    undo_step(positioned, "positioning", actor=supervisor)

    positioned.refresh_from_db()
    assert positioned.state == CaseFileState.POSITIONING
    assert positioned.positioned_on is None and positioned.expires_on is None
    assert set(positioned.domain_grid.values_list("status", flat=True)) == {DomainStatus.NOT_ASSESSED}
    event = timeline(positioned).get(verb="casefile.step_undone")
    assert event.actor == supervisor


def test_supervisor_undoes_the_positioning_in_viewflow_and_it_can_be_done_again(
    client_for, positioned, supervisor
):
    client = client_for(supervisor)
    base = f"/parcours/{positioned.process_id}"
    plan = task_of(positioned, "training_plan", STATUS.NEW)
    assert client.post(f"{base}/training_plan/{plan.pk}/cancel/", {}).status_code == 302
    gate = task_of(positioned, "all_domains_acquired", STATUS.DONE)
    assert client.post(f"{base}/all_domains_acquired/{gate.pk}/undo/", {}).status_code == 302
    done = task_of(positioned, "positioning", STATUS.DONE)
    assert client.post(f"{base}/positioning/{done.pk}/undo/", {}).status_code == 302
    assert client.post(f"{base}/positioning/{done.pk}/revive/", {}).status_code == 302

    positioned.refresh_from_db()
    assert positioned.state == CaseFileState.POSITIONING
    assert task_of(positioned, "positioning", STATUS.NEW)
    assert timeline(positioned).filter(verb="casefile.step_undone", actor=supervisor).count() == 1


def test_evaluator_cannot_reach_the_undo_of_their_own_step(client_for, positioned, evaluator):
    done = task_of(positioned, "positioning", STATUS.DONE)
    response = client_for(evaluator).post(
        f"/parcours/{positioned.process_id}/positioning/{done.pk}/undo/", {}
    )
    assert response.status_code in (302, 403)
    done.refresh_from_db()
    assert done.status == STATUS.DONE
    positioned.refresh_from_db()
    assert positioned.state == CaseFileState.TRAINING


def test_undo_cancels_the_timers_armed_by_later_steps_and_revive_must_match_the_file(
    client_for, positioned, supervisor
):
    client = client_for(supervisor)
    base = f"/parcours/{positioned.process_id}"
    plan = task_of(positioned, "training_plan", STATUS.NEW)
    client.post(f"{base}/training_plan/{plan.pk}/cancel/", {})
    gate = task_of(positioned, "all_domains_acquired", STATUS.DONE)
    client.post(f"{base}/all_domains_acquired/{gate.pk}/undo/", {})
    done = task_of(positioned, "positioning", STATUS.DONE)
    client.post(f"{base}/positioning/{done.pk}/undo/", {})

    assert not CandidatePathwayTask.objects.filter(
        process=positioned.process, flow_task_type="TIMER", status=STATUS.SCHEDULED
    ).exists()
    assert client.post(f"{base}/training_plan/{plan.pk}/revive/", {}).status_code == 403
    assert not CandidatePathwayTask.objects.filter(process=positioned.process, status=STATUS.NEW).exists()
