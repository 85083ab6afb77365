"""The worker side fires the pathway's timers on a schedule (dramatiq-crontab), not by hand."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from dramatiq_crontab import scheduler

from accreditation.tasks import expire_accreditations_due
from casefiles.models import CaseFileState
from tests.workflows.test_flow__expiry_timer import position, timer_of
from workflows.models import CandidatePathwayTask
from workflows.pathway.tasks import expire_pathways_due
from workflows.tasks import fire_workflow_timers

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()


def scheduled_jobs() -> dict:
    return {job.name: job for job in scheduler.get_jobs()}


def fire_times(job, hours: int) -> list[dt.datetime]:
    """The job's fire times over the next `hours` hours."""
    now = timezone.now()
    times, previous = [], None
    while True:
        moment = job.trigger.get_next_fire_time(previous, previous or now)
        if moment > now + dt.timedelta(hours=hours):
            return times
        times.append(moment)
        previous = moment + dt.timedelta(seconds=1)


def test_the_timers_are_fired_every_five_minutes_and_the_sweeps_every_night():
    jobs = scheduled_jobs()

    assert jobs["fire_workflow_timers"].func == fire_workflow_timers.send
    assert len(fire_times(jobs["fire_workflow_timers"], hours=1)) == 12
    for actor in (expire_pathways_due, expire_accreditations_due):
        assert jobs[actor.actor_name].func == actor.send
        assert len(fire_times(jobs[actor.actor_name], hours=24)) == 1


def test_the_scheduled_actor_lapses_a_file_whose_window_has_ended(
    client_for, evaluator, idf_site, clea, assessor
):
    case_file = position(client_for, evaluator, idf_site, clea, assessor, missing=("D2",))
    type(case_file).objects.filter(pk=case_file.pk).update(expires_on=TODAY - dt.timedelta(days=1))
    CandidatePathwayTask.objects.filter(pk=timer_of(case_file).pk).update(
        scheduled=timezone.now() - dt.timedelta(minutes=1)
    )

    fire_workflow_timers.fn()

    case_file.refresh_from_db()
    assert case_file.state == CaseFileState.EXPIRED
