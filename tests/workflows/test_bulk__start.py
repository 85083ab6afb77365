"""Processes started in bulk by an import are indistinguishable from processes started one by one."""

from __future__ import annotations

import datetime as dt

import pytest
from django.forms.models import model_to_dict

from casefiles.services import open_case_file
from workflows.models import CandidatePathwayProcess, CandidatePathwayTask
from workflows.pathway.commands import start_pathway

from .conftest import start_in_bulk

pytestmark = pytest.mark.django_db
IGNORED = {"id", "process", "created", "started", "finished", "previous"}


def _open(idf_site, clea, candidate_data, name):  # type: ignore[no-untyped-def]
    return open_case_file(
        site=idf_site,
        certification=clea,
        opened_on=dt.date.today(),
        candidate_data={**candidate_data, "last_name": name},
        actor=None,
    )


def _shape(case_file):  # type: ignore[no-untyped-def]
    """Everything a process and its tasks hold, but ids and timestamps."""
    case_file.refresh_from_db()
    process = CandidatePathwayProcess.objects.get(pk=case_file.process_id)
    tasks = CandidatePathwayTask.objects.filter(process=process).order_by("pk")
    return (
        {k: v for k, v in model_to_dict(process).items() if k not in IGNORED},
        [
            (
                {k: str(v) for k, v in model_to_dict(task).items() if k not in IGNORED},
                [str(previous.flow_task) for previous in task.previous.all()],
                task.started is not None,
                task.finished is not None,
            )
            for task in tasks
        ],
    )


def test_bulk_started_processes_equal_processes_started_one_by_one(idf_site, clea, candidate_data):
    one = _open(idf_site, clea, candidate_data, "Unparun")
    start_pathway(one)
    many = [_open(idf_site, clea, candidate_data, name) for name in ("Enbloc", "Ensemble")]

    start_in_bulk(many)

    expected = _shape(one)
    assert expected[1][1][0]["flow_task"] == "Positioning"  # the comparison is not vacuous
    assert expected[1][1][0]["owner_permission"] == "workflows.can_positioning_candidatepathwayprocess"
    for case_file in many:
        assert _shape(case_file) == expected


def test_a_bulk_started_file_is_taken_and_completed_like_any_other(idf_site, clea, candidate_data, evaluator):
    case_file = _open(idf_site, clea, candidate_data, "Enbloc")
    start_in_bulk([case_file])
    task = CandidatePathwayTask.objects.get(process_id=case_file.process_id, status="NEW")

    activation = task.flow_task.activation_class(task)

    assert activation.assign.has_perm(evaluator)
    assert task in CandidatePathwayTask.objects.user_queue(evaluator)
