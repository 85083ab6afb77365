"""The 5-year window is a Viewflow timer on each waiting step still acquiring; when it fires, the file
lapses."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from viewflow.workflow.status import PROCESS, STATUS
from viewflow.workflow.timers import fire_due_timers

from casefiles.models import CaseFileState, DomainStatus
from casefiles.selectors import expiry_moment
from tests.workflows.test_flow__pathway_http import open_and_position
from workflows.models import CandidatePathwayTask

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()


def position(client_for, evaluator, idf_site, clea, assessor, *, missing=()):
    return open_and_position(client_for(evaluator), idf_site, clea, assessor, missing=missing)


def timer_of(case_file) -> CandidatePathwayTask:
    return CandidatePathwayTask.objects.get(
        process=case_file.process, flow_task_type="TIMER", status__in=[STATUS.NEW, STATUS.SCHEDULED]
    )


def test_a_timer_is_armed_at_the_end_of_the_window_on_a_step_still_acquiring(
    client_for, evaluator, idf_site, clea, assessor
):
    case_file = position(client_for, evaluator, idf_site, clea, assessor, missing=("D2",))
    timer = timer_of(case_file)
    assert timer.flow_task.name == "training_plan__timeout"
    assert timer.scheduled == expiry_moment(case_file)
    assert expiry_moment(case_file).date() == case_file.expires_on + dt.timedelta(days=1)


def test_no_timer_is_armed_on_a_file_waiting_for_its_jury(client_for, evaluator, idf_site, clea, assessor):
    # Every domain acquired within the window: the window is about acquiring, not the jury's calendar.
    case_file = position(client_for, evaluator, idf_site, clea, assessor)

    assert case_file.state == CaseFileState.READY_FOR_JURY
    waiting = CandidatePathwayTask.objects.get(process=case_file.process, status=STATUS.NEW)
    assert waiting.flow_task.name == "ready_for_jury"
    assert not CandidatePathwayTask.objects.filter(process=case_file.process, flow_task_type="TIMER").exists()


def test_when_the_timer_fires_the_file_lapses_and_the_process_ends(
    client_for, evaluator, idf_site, clea, assessor
):
    case_file = position(client_for, evaluator, idf_site, clea, assessor, missing=("D2",))
    type(case_file).objects.filter(pk=case_file.pk).update(expires_on=TODAY - dt.timedelta(days=1))
    CandidatePathwayTask.objects.filter(pk=timer_of(case_file).pk).update(
        scheduled=timezone.now() - dt.timedelta(minutes=1)
    )

    assert fire_due_timers() == 1
    assert fire_due_timers() == 0

    case_file.refresh_from_db()
    assert case_file.state == CaseFileState.EXPIRED
    assert set(case_file.domain_grid.values_list("status", flat=True)) == {
        DomainStatus.LAPSED,
        DomainStatus.TO_TRAIN,
    }
    plan_task = CandidatePathwayTask.objects.get(
        process=case_file.process, flow_task_type="HUMAN", status__in=[STATUS.CANCELED, STATUS.NEW]
    )
    assert plan_task.status == STATUS.CANCELED
    case_file.process.refresh_from_db()
    assert case_file.process.status == PROCESS.DONE
