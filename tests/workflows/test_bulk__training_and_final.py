"""Training plans and final evaluations recorded in bulk (the demo, imports) leave exactly what the form
leaves, file by file: the file, its tasks with their links and 5-year timers, its grid, plans, assessments
and events. What the bulk path refuses is left to the one-by-one path, which fails with the form's message."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accreditation.models import Domain
from backoffice.core.audit.models import AuditEvent
from casefiles.models import CaseFile, CaseFileState
from casefiles.services import (
    open_case_file,
    record_final_evaluation,
    record_positioning,
    record_training_plan,
)
from tests.casefiles.conftest import plan_results, results_for
from workflows.models import CandidatePathwayTask
from workflows.pathway.bulk import (
    FinalEvaluationEntry,
    Positioning,
    TrainingPlanEntry,
    record_final_evaluations,
    record_positionings,
    record_training_plans,
)
from workflows.pathway.commands import complete_step

from .conftest import start_in_bulk

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
POSITIONED_ON = TODAY - dt.timedelta(days=40)
STARTS_ON, ENDS_ON = TODAY - dt.timedelta(days=30), TODAY - dt.timedelta(days=5)
IGNORED = {"id", "process", "created", "started", "finished", "previous", "scheduled"}


@pytest.fixture
def world(idf_site, clea, framework, candidate_data, evaluator, assessor, training_site, trainer_person):
    return dict(
        site=idf_site,
        clea=clea,
        framework=framework,
        candidate_data=candidate_data,
        evaluator=evaluator,
        assessor=assessor,
        training_site=training_site,
        trainer=trainer_person,
    )


def _positioned(world: dict[str, Any], name: str, missing: tuple[str, ...] = ("D1", "D3")) -> CaseFile:
    """A file opened and positioned through the form's path, waiting for its training plan."""
    case_file = open_case_file(
        site=world["site"],
        certification=world["clea"],
        opened_on=POSITIONED_ON - dt.timedelta(days=3),
        candidate_data={**world["candidate_data"], "last_name": name},
        actor=None,
    )
    start_in_bulk([case_file])
    complete_step(
        case_file,
        "positioning",
        user=world["evaluator"],
        run=lambda: record_positioning(
            case_file,
            assessed_on=POSITIONED_ON,
            assessor=world["assessor"],
            results=results_for(world["framework"], missing=missing),
            actor=world["evaluator"],
        ),
    )
    case_file.refresh_from_db()
    assert case_file.state == CaseFileState.TRAINING
    return case_file


def _domains(world: dict[str, Any], *codes: str) -> list[Domain]:
    return list(Domain.objects.filter(framework_version=world["framework"], code__in=codes))


def _plan_one(world: dict[str, Any], case_file: CaseFile, codes: tuple[str, ...], **change: Any) -> None:
    plan = _plan(world, codes) | change
    complete_step(
        case_file,
        "training_plan",
        user=world["evaluator"],
        run=lambda: record_training_plan(case_file, actor=world["evaluator"], **plan),
    )


def _plan_entry(world: dict[str, Any], case_file: CaseFile, codes: tuple[str, ...], **change: Any):  # type: ignore[no-untyped-def]
    return TrainingPlanEntry(
        case_file_id=case_file.pk,
        process_id=case_file.process_id,
        user=world["evaluator"],
        **(_plan(world, codes) | change),
    )


def _plan(world: dict[str, Any], codes: tuple[str, ...]) -> dict[str, Any]:
    return dict(
        training_site=world["training_site"],
        trainer=world["trainer"],
        domains=_domains(world, *codes),
        hours=35,
        starts_on=STARTS_ON,
        ends_on=ENDS_ON,
    )


def _final_one(world, case_file, results, *, user=None, actor=None, assessed_on=TODAY):  # type: ignore[no-untyped-def]
    complete_step(
        case_file,
        "final_evaluation",
        user=user or world["evaluator"],
        run=lambda: record_final_evaluation(
            case_file,
            assessed_on=assessed_on,
            assessor=world["assessor"],
            results=results,
            actor=actor or user or world["evaluator"],
        ),
    )


def _final_entry(world, case_file, results, *, user=None, actor=None, assessed_on=TODAY):  # type: ignore[no-untyped-def]
    return FinalEvaluationEntry(
        case_file_id=case_file.pk,
        process_id=case_file.process_id,
        assessed_on=assessed_on,
        assessor=world["assessor"],
        user=user or world["evaluator"],
        results=results,
        actor=actor,
    )


def _shape(case_file: CaseFile) -> dict[str, Any]:
    case_file.refresh_from_db()
    tasks = CandidatePathwayTask.objects.filter(process_id=case_file.process_id).order_by("pk")
    events = AuditEvent.objects.for_subject(case_file).exclude(verb="casefile.opened")
    plans = {plan.pk: plan.number for plan in case_file.training_plans.all()}
    return {
        "file": {
            k: v for k, v in model_to_dict(case_file).items() if k not in {"id", "candidate", "process"}
        },
        "process": (case_file.process.status, case_file.process.finished),
        "tasks": [
            (
                {k: str(v) for k, v in model_to_dict(t).items() if k not in IGNORED},
                sorted(str(p.flow_task) for p in t.previous.all()),
                t.started is not None,
                t.finished is not None,
                t.scheduled,
            )
            for t in tasks
        ],
        "grid": [
            (d.domain_id, d.status, d.acquired_on, d.source.kind if d.source else None)
            for d in case_file.domain_grid.order_by("domain_id")
        ],
        "plans": [
            (
                {
                    k: v
                    for k, v in model_to_dict(plan).items()
                    if k not in {"id", "case_file", "created_at", "domains"}
                },
                sorted(d.code for d in plan.domains.all()),
            )
            for plan in case_file.training_plans.order_by("number")
        ],
        "assessments": [
            (
                {
                    k: v
                    for k, v in model_to_dict(a).items()
                    if k not in {"id", "case_file", "recorded_at", "training_plan"}
                },
                plans.get(a.training_plan_id),
            )
            for a in case_file.assessments.order_by("pk")
        ],
        "events": [
            (
                e.verb,
                e.actor_id,
                e.summary,
                {k: v for k, v in e.data.items() if k != "assessment"},
                sorted(e.data),
            )
            for e in events.order_by("occurred_at", "id")
        ],
    }


def _waiting_at(case_file: CaseFile) -> list[str]:
    return [
        t.flow_task.name
        for t in CandidatePathwayTask.objects.filter(process_id=case_file.process_id, status="NEW")
    ]


def test_a_plan_on_two_domains_in_bulk_equals_the_form(world):
    one, many = _positioned(world, "Unparun"), _positioned(world, "Enbloc")

    _plan_one(world, one, ("D1", "D3"))
    left = record_training_plans([_plan_entry(world, many, ("D1", "D3"))])

    assert left == []
    expected = _shape(one)
    assert expected["file"]["state"] == CaseFileState.FINAL_EVALUATION
    assert [p[1] for p in expected["plans"]] == [["D1", "D3"]]
    # The plan's timer is cancelled with its host; the final evaluation waits with its own.
    assert [(t[0]["flow_task"], t[0]["status"], t[1]) for t in expected["tasks"][-4:]] == [
        ("Training Plan", "DONE", ["All Domains Acquired"]),
        ("Training Plan  Timeout", "CANCELED", ["Training Plan"]),
        ("Final Evaluation", "NEW", ["Training Plan"]),
        ("Final Evaluation  Timeout", "SCHEDULED", ["Final Evaluation"]),
    ]
    assert _shape(many) == expected


def test_a_final_evaluation_acquiring_every_domain_in_bulk_sends_to_the_jury_as_the_form(world):
    one, many = _positioned(world, "Unparun"), _positioned(world, "Enbloc")
    for case_file in (one, many):
        _plan_one(world, case_file, ("D1", "D3"))
    results = plan_results(world["framework"], ("D1", "D3"))

    _final_one(world, one, results)
    left = record_final_evaluations([_final_entry(world, many, results)])

    assert left == []
    expected = _shape(one)
    assert expected["file"]["state"] == CaseFileState.READY_FOR_JURY
    assert expected["file"]["ready_for_jury_on"] == TODAY
    assert [e[0] for e in expected["events"]][-2:] == ["casefile.final_evaluated", "casefile.ready_for_jury"]
    assert _waiting_at(one) == ["ready_for_jury"]
    assert _shape(many) == expected


def test_a_final_evaluation_with_a_gap_in_bulk_loops_back_to_a_second_plan_as_the_form(world):
    one, many = _positioned(world, "Unparun"), _positioned(world, "Enbloc")
    for case_file in (one, many):
        _plan_one(world, case_file, ("D1", "D3"))
    results = plan_results(world["framework"], ("D1", "D3"), still_missing=("D3",))

    _final_one(world, one, results)
    assert record_final_evaluations([_final_entry(world, many, results)]) == []
    assert _waiting_at(one) == _waiting_at(many) == ["training_plan"]
    # The loop goes on: a second plan, numbered after the first, on what is still missing.
    _plan_one(world, one, ("D3",), starts_on=TODAY, ends_on=TODAY + dt.timedelta(days=20))
    left = record_training_plans(
        [_plan_entry(world, many, ("D3",), starts_on=TODAY, ends_on=TODAY + dt.timedelta(days=20))]
    )

    assert left == []
    expected = _shape(one)
    assert [(p[0]["number"], p[1]) for p in expected["plans"]] == [(1, ["D1", "D3"]), (2, ["D3"])]
    assert expected["file"]["state"] == CaseFileState.FINAL_EVALUATION
    assert _shape(many) == expected


def test_staff_entering_a_final_evaluation_on_behalf_in_bulk_equals_the_form(world, officer):
    one, many = _positioned(world, "Unparun"), _positioned(world, "Enbloc")
    for case_file in (one, many):
        _plan_one(world, case_file, ("D1", "D3"))
    results = plan_results(world["framework"], ("D1", "D3"))
    assessor = world["assessor"]

    # As the results import: the assessor completes the step, the officer is the actor.
    _final_one(world, one, results, user=assessor, actor=officer)
    left = record_final_evaluations([_final_entry(world, many, results, user=assessor, actor=officer)])

    assert left == []
    expected = _shape(one)
    final_event = next(e for e in expected["events"] if e[0] == "casefile.final_evaluated")
    assert final_event[1] == officer.pk and "pour le compte de" in final_event[2]
    assert final_event[3]["on_behalf_of"] == world["site"].organisation.legal_name
    assert _shape(many) == expected


def test_a_plan_on_an_acquired_domain_is_left_and_fails_one_by_one_with_the_forms_message(world):
    refused, accepted = _positioned(world, "Refuse"), _positioned(world, "Accepte")
    wrong = _plan_entry(world, refused, ("D2",))  # D2 was acquired at the positioning

    left = record_training_plans([wrong, _plan_entry(world, accepted, ("D1", "D3"))])

    assert left == [wrong]
    assert not refused.training_plans.exists() and accepted.training_plans.count() == 1
    assert _waiting_at(refused) == ["training_plan"]
    with pytest.raises(ValidationError, match="D2 est déjà acquis"):
        _plan_one(world, refused, ("D2",))


def test_a_final_evaluation_before_the_plan_starts_is_left_and_fails_one_by_one(world):
    case_file = _positioned(world, "Tropttot")
    _plan_one(world, case_file, ("D1", "D3"))
    results = plan_results(world["framework"], ("D1", "D3"))
    early = STARTS_ON - dt.timedelta(days=1)
    entry = _final_entry(world, case_file, results, assessed_on=early)

    assert record_final_evaluations([entry]) == [entry]
    assert not case_file.assessments.filter(kind="final").exists()
    assert _waiting_at(case_file) == ["final_evaluation"]
    with pytest.raises(ValidationError, match="ne peut pas précéder le début de la formation"):
        _final_one(world, case_file, results, assessed_on=early)


def test_a_file_no_longer_waiting_for_its_final_evaluation_is_left(world):
    case_file = _positioned(world, "Dejafait")
    entry = _final_entry(world, case_file, [])

    assert record_final_evaluations([entry]) == [entry]


def _files_waiting_for_final(world: dict[str, Any], count: int, prefix: str) -> list[CaseFile]:
    """Files advanced in bulk up to their final evaluation (positioning and plan recorded in bulk)."""
    files = [
        open_case_file(
            site=world["site"],
            certification=world["clea"],
            opened_on=POSITIONED_ON - dt.timedelta(days=3),
            candidate_data={**world["candidate_data"], "last_name": prefix + "abcdefghijklmnopqrstuvwxyz"[i]},
            actor=None,
        )
        for i in range(count)
    ]
    start_in_bulk(files)
    results = results_for(world["framework"], missing=("D1", "D3"))
    positionings = [
        Positioning(f.pk, f.process_id, POSITIONED_ON, world["assessor"], world["evaluator"], results)
        for f in files
    ]
    assert record_positionings(positionings) == []
    assert record_training_plans([_plan_entry(world, f, ("D1", "D3")) for f in files]) == []
    return files


def _queries(run) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as captured:
        run()
    return len(captured.captured_queries)


def test_the_queries_do_not_grow_with_the_number_of_files(world):
    few, many = _files_waiting_for_final(world, 3, "Peu"), _files_waiting_for_final(world, 12, "Beaucoup")
    results = plan_results(world["framework"], ("D1", "D3"), still_missing=("D3",))

    finals = [[_final_entry(world, f, results) for f in files] for files in (few, many)]
    later = dict(starts_on=TODAY, ends_on=TODAY + dt.timedelta(days=20))
    plans = [[_plan_entry(world, f, ("D3",), **later) for f in files] for files in (few, many)]

    final_queries = [_queries(lambda e=entries: record_final_evaluations(e)) for entries in finals]
    plan_queries = [_queries(lambda e=entries: record_training_plans(e)) for entries in plans]

    assert final_queries[0] == final_queries[1] and plan_queries[0] == plan_queries[1]
    assert all(_waiting_at(f) == ["final_evaluation"] for f in few + many)
    assert all(f.training_plans.count() == 2 for f in few + many)
