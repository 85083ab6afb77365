"""`manage.py generate_national_dataset` on a tiny country: every file has a consistent pathway, the
figures follow the configured distributions, and Viewflow's task list shows the generated tasks."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from io import StringIO
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections
from django.db.models import Count, F, Max, Min
from viewflow.workflow.status import PROCESS, STATUS

from accreditation.models import Organisation
from casefiles.models import OPEN_STATES, Candidate, CaseFile, CaseFileState, Certificate
from workflows.models import CandidatePathwayTask

pytestmark = pytest.mark.django_db
FILES, YEARS = 300, 2
OPEN = [STATUS.NEW, STATUS.ASSIGNED]
HUMAN = ("HUMAN",)
CLOSED = {
    CaseFileState.CERTIFIED: PROCESS.DONE,
    CaseFileState.REFUSED: PROCESS.DONE,
    CaseFileState.EXPIRED: PROCESS.DONE,
    CaseFileState.ABANDONED: PROCESS.CANCELED,
}


@pytest.fixture
def generated(db) -> str:  # type: ignore[no-untyped-def]
    out = StringIO()
    call_command(
        "generate_national_dataset",
        f"--files={FILES}",
        "--organisations=5",
        f"--years={YEARS}",
        "--chunk=120",  # three chunks
        stdout=out,
        stderr=StringIO(),
    )
    return out.getvalue()


def test_it_writes_every_file_with_its_process_and_a_plausible_number_of_tasks(generated):
    assert CaseFile.objects.count() == Candidate.objects.count() == FILES
    assert Organisation.objects.count() == 5
    assert CaseFile.objects.filter(process__isnull=True).count() == 0
    assert CaseFile.objects.values("process").distinct().count() == FILES
    tasks = CandidatePathwayTask.objects.count()
    assert 3 * FILES <= tasks <= 12 * FILES  # every row the flow writes: gateways and 5-year timers too
    assert "viewflow_task" in generated and "Total :" in generated


def test_open_files_wait_on_one_human_or_jury_step_and_closed_ones_on_none(generated):
    waiting = Counter(
        CandidatePathwayTask.objects.filter(status__in=OPEN).values_list("process_id", flat=True)
    )
    for case_file in CaseFile.objects.select_related("process"):
        if case_file.state in OPEN_STATES:
            assert waiting[case_file.process_id] == 1, case_file.state
            assert case_file.process.status == PROCESS.NEW and case_file.closed_on is None
        else:
            assert waiting[case_file.process_id] == 0, case_file.state
            assert case_file.process.status == CLOSED[case_file.state]
            assert case_file.closed_on is not None and case_file.process.finished is not None


def test_each_history_starts_once_and_done_human_tasks_have_an_owner_and_times(generated):
    starts = CandidatePathwayTask.objects.filter(flow_task_type__in=["START", "HUMAN_START"])
    assert starts.count() == FILES and starts.values("process").distinct().count() == FILES
    done = CandidatePathwayTask.objects.filter(flow_task_type__in=HUMAN, status=STATUS.DONE)
    assert done.exists() and not done.filter(owner__isnull=True).exists()
    assert not done.filter(finished__lt=F("created")).exists()
    for task in done[:200]:
        assert task.created <= task.started <= task.finished
    ends = CandidatePathwayTask.objects.filter(flow_task_type="END").values("process").annotate(n=Count("id"))
    assert all(row["n"] == 1 for row in ends)


def test_certified_files_hold_one_certificate_and_dates_stay_within_the_period(generated):
    certified = CaseFile.objects.filter(state=CaseFileState.CERTIFIED)
    assert certified.count() == Certificate.objects.count() > 0
    assert not certified.filter(certificate__isnull=True).exists()
    today = dt.date.today()
    bounds = CaseFile.objects.aggregate(first=Min("opened_on"), last=Max("opened_on"))
    assert today - dt.timedelta(days=366 * YEARS + 1) <= bounds["first"] and bounds["last"] <= today
    assert not CaseFile.objects.filter(closed_on__gt=today).exists()
    assert not CandidatePathwayTask.objects.filter(created__date__gt=today).exists()


def test_figures_follow_the_configured_distributions(generated):
    states = Counter(CaseFile.objects.values_list("state", flat=True))
    assert 0.25 * FILES <= states[CaseFileState.CERTIFIED] <= 0.75 * FILES
    assert 0.15 * FILES <= states[CaseFileState.ABANDONED] <= 0.55 * FILES
    assert sum(states[s] for s in OPEN_STATES) > 0
    people = Candidate.objects.all()
    women = people.filter(sex="F").count()
    jobseekers = people.filter(status="jobseeker").count()
    assert 0.45 * FILES <= women <= 0.70 * FILES and 0.65 * FILES <= jobseekers <= 0.90 * FILES
    clea = CaseFile.objects.filter(certification__code="CLEA").count()
    assert clea >= 0.7 * FILES


def test_viewflow_task_list_shows_the_generated_tasks_to_a_national_supervisor(
    generated, supervisor, client_for
):
    response = client_for(supervisor).get("/parcours/tasks/")

    assert response.status_code == 200
    page = response.content.decode()
    last_names = set(CaseFile.objects.values_list("candidate__last_name", flat=True))
    assert any(name in page for name in last_names)


def test_it_refuses_a_database_that_already_holds_case_files(generated):
    with pytest.raises(CommandError) as refused:
        call_command("generate_national_dataset", "--files=10", stdout=StringIO(), stderr=StringIO())

    assert "déjà des dossiers" in str(refused.value)
    assert CaseFile.objects.count() == FILES


def test_it_refuses_a_database_other_than_postgresql_and_does_nothing(db):
    with (
        mock.patch.object(connections["default"], "vendor", "sqlite"),
        pytest.raises(CommandError) as refused,
    ):
        call_command("generate_national_dataset", "--files=10", stdout=StringIO(), stderr=StringIO())

    assert "PostgreSQL" in str(refused.value)
    assert not Organisation.objects.exists()
