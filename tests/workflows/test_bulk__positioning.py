"""Positionings recorded in bulk by an import leave exactly what the form leaves, file by file."""

from __future__ import annotations

import datetime as dt

import pytest
from django.forms.models import model_to_dict

from backoffice.core.audit.models import AuditEvent
from casefiles.models import CaseFile
from casefiles.services import open_case_file, record_positioning
from tests.casefiles.conftest import results_for
from workflows.models import CandidatePathwayTask
from workflows.pathway.bulk import Positioning, record_positionings
from workflows.pathway.commands import complete_step

from .conftest import start_in_bulk

pytestmark = pytest.mark.django_db
IGNORED = {"id", "process", "created", "started", "finished", "previous", "scheduled"}


def _file(idf_site, clea, candidate_data, name):  # type: ignore[no-untyped-def]
    case_file = open_case_file(
        site=idf_site,
        certification=clea,
        opened_on=dt.date.today() - dt.timedelta(days=3),
        candidate_data={**candidate_data, "last_name": name},
        actor=None,
    )
    start_in_bulk([case_file])
    return case_file


def _shape(case_file):  # type: ignore[no-untyped-def]
    case_file.refresh_from_db()
    tasks = CandidatePathwayTask.objects.filter(process_id=case_file.process_id).order_by("pk")
    events = AuditEvent.objects.for_subject(case_file).exclude(verb="casefile.opened")
    assessment = case_file.assessments.get()
    return {
        "file": {
            k: v for k, v in model_to_dict(case_file).items() if k not in {"id", "candidate", "process"}
        },
        "tasks": [
            (
                {k: str(v) for k, v in model_to_dict(t).items() if k not in IGNORED},
                [str(p.flow_task) for p in t.previous.all()],
                t.started is not None,
                t.finished is not None,
                t.scheduled,
            )
            for t in tasks
        ],
        "grid": [(d.domain_id, d.status, d.acquired_on) for d in case_file.domain_grid.order_by("domain_id")],
        "assessment": (assessment.kind, assessment.assessed_on, assessment.assessor_id),
        "results": (assessment.results, assessment.criteria),
        "events": [
            (e.verb, e.actor_id, e.summary, sorted(e.data)) for e in events.order_by("occurred_at", "id")
        ],
    }


@pytest.mark.parametrize("missing", [(), ("D3",)], ids=["all acquired", "to train"])
def test_bulk_positioning_equals_the_form(idf_site, clea, candidate_data, evaluator, assessor, missing):
    one, many = (
        _file(idf_site, clea, candidate_data, "Unparun"),
        _file(idf_site, clea, candidate_data, "Enbloc"),
    )
    results = results_for(one.framework_version, missing=missing)
    day = dt.date.today()

    complete_step(
        one,
        "positioning",
        user=evaluator,
        run=lambda: record_positioning(
            one, assessed_on=day, assessor=assessor, results=results, actor=evaluator
        ),
    )
    left = record_positionings([Positioning(many.pk, many.process_id, day, assessor, evaluator, results)])

    assert left == []
    expected = _shape(one)
    # Ready for jury: no 5-year timer (the window is about acquiring); to train: the plan's timer.
    assert len(expected["tasks"]) == (5 if missing else 4) and len(expected["events"]) == (
        2 if not missing else 1
    )
    assert _shape(many) == expected


def test_a_file_no_longer_waiting_is_left_for_the_one_by_one_path(
    idf_site, clea, candidate_data, evaluator, assessor
):
    case_file = _file(idf_site, clea, candidate_data, "Dejafait")
    CaseFile.objects.filter(pk=case_file.pk).update(state="training")
    entry = Positioning(case_file.pk, case_file.process_id, dt.date.today(), assessor, evaluator, [])

    assert record_positionings([entry]) == [entry]
    assert not case_file.assessments.exists()


def test_an_outsider_is_left_for_the_one_by_one_path(
    idf_site, clea, candidate_data, evaluator_of_other_organisation, assessor
):
    case_file = _file(idf_site, clea, candidate_data, "Dehors")
    results = results_for(case_file.framework_version)
    entry = Positioning(
        case_file.pk,
        case_file.process_id,
        dt.date.today(),
        assessor,
        evaluator_of_other_organisation,
        results,
    )

    assert record_positionings([entry]) == [entry]
    assert not case_file.assessments.exists()
