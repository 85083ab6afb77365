"""Starting and advancing many candidate pathways at once (imports, the demo).

`CandidatePathwayFlow.start_from_code.run(case_file)` writes, per file: the process, its start task
(done), the positioning task waiting for the evaluator (with the node's permission) and the link
between the two. `complete_step` of a positioning, a training plan or a final evaluation writes the
domain's rows (its service), then the task done, its 5-year timer cancelled, the gateway, the next task
and its timer. This writes exactly those rows in a few statements a batch; tests compare both ways.
Tasks are dated by `casefiles.rules.dates.act_moment`: now, or, for a file taken over from the old system
(inside `recovered(on=…)`), the act's historical moment — its due date and timeline count from it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from viewflow.workflow.status import PROCESS, STATUS

from accreditation.models import Certification, Domain, FrameworkVersion, Site
from backoffice.core.accounts.types import Actor
from backoffice.core.bulksql import index_lookups, insert_alike, insert_rows
from casefiles.models import CaseFile, CaseFileState, TrainingPlan
from casefiles.rules.acquisition import AssessmentOutcome, FrameworkStructure, evaluate
from casefiles.rules.dates import act_moment
from casefiles.selectors import expiry_moment, framework_structure
from casefiles.services.assessments import latest_plans
from casefiles.services.bulk import (
    FinalEvaluationToRecord,
    PlanToRecord,
    PositioningToRecord,
    record_final_evaluations_in_bulk,
    record_positionings_in_bulk,
    record_training_plans_in_bulk,
)
from casefiles.services.plans import files_before_plan
from workflows.models import CandidatePathwayProcess, CandidatePathwayTask
from workflows.pathway.bulk_checks import (
    FinalEvaluationChecks,
    PositioningChecks,
    TrainingPlanChecks,
)
from workflows.pathway.flow import CandidatePathwayFlow

BATCH_SIZE = 1000
__all__ = [
    "FinalEvaluationChecks",
    "FinalEvaluationEntry",
    "Positioning",
    "PositioningChecks",
    "TrainingPlanChecks",
    "TrainingPlanEntry",
    "record_final_evaluations",
    "record_positionings",
    "record_training_plans",
    "start_pathways",
]


def start_pathways(count: int) -> list[int]:
    """Start `count` pathways and return their processes' ids, one for each file about to be opened (its
    `process`): the rows `start_from_code.run(case_file)` writes, for many files at once."""
    flow = CandidatePathwayFlow
    start, first = flow.start_from_code, flow.positioning
    now = act_moment()
    processes = insert_alike(CandidatePathwayProcess(flow_class=flow, status=PROCESS.NEW, created=now), count)
    starts = insert_alike(
        _task(start, None, status=STATUS.DONE, created=now, started=now, finished=now),
        count,
        process=processes,
    )
    waiting = insert_alike(
        _task(first, None, status=STATUS.NEW, created=now, owner_permission=_permission(first)),
        count,
        process=processes,
    )
    insert_rows(
        CandidatePathwayTask.previous.through, ["from_task", "to_task"], zip(waiting, starts, strict=True)
    )
    return processes


@dataclass
class AssessmentEntry:
    case_file_id: int
    process_id: int
    assessed_on: dt.date
    assessor: Any
    user: Actor  # who completes the task (the form's user)
    results: list[tuple[str, bool]]
    outcome: AssessmentOutcome | None = None  # `evaluate` of the results, when the caller has it
    key: Any = None  # the caller's (a row's line)
    actor: Actor | None = None  # who enters it, when not the task's user (Certif'Pro staff importing for it)

    @property
    def entering(self) -> Any:
        return self.actor if self.actor is not None else self.user


@dataclass
class Positioning(AssessmentEntry):
    """A positioning to record (`record_positioning`): results on every domain of the file's framework."""


@dataclass
class FinalEvaluationEntry(AssessmentEntry):
    """A final evaluation to record (`record_final_evaluation`): results on the latest plan's domains."""


@dataclass
class TrainingPlanEntry:
    """A training plan to record (`record_training_plan`), by `user`, who completes the task."""

    case_file_id: int
    process_id: int
    user: Actor
    training_site: Site
    trainer: Any
    domains: list[Domain]
    hours: int
    starts_on: dt.date
    ends_on: dt.date
    key: Any = None  # the caller's


@transaction.atomic
def record_positionings(
    entries: list[Positioning], *, checks: PositioningChecks | None = None
) -> list[Positioning]:
    """Complete many waiting positionings as the form does, in a few statements; returns the entries that
    are no longer waiting or not allowed (the caller runs them one by one: they fail with the form's message).
    `checks` keeps who may record what between the batches of one transaction (an import).

    Locks as the task views do, process first, then the file."""
    flow = CandidatePathwayFlow
    tasks, files_by_id = _lock_waiting(entries, flow.positioning, CaseFileState.POSITIONING)
    allowed = checks or PositioningChecks()
    structures: dict[Any, FrameworkStructure] = {}
    ready: list[tuple[Positioning, int, CaseFile, AssessmentOutcome]] = []
    left: list[Positioning] = []
    for entry, task, case_file in _waiting(entries, tasks, files_by_id, left):
        outcome = _outcome(entry, case_file, None, structures) if allowed(entry, task, case_file) else None
        if outcome is not None:
            ready.append((entry, task, case_file, outcome))
        else:
            left.append(entry)
    if ready:
        record_positionings_in_bulk(
            [
                PositioningToRecord(
                    case_file=case_file,
                    assessed_on=entry.assessed_on,
                    assessor=entry.assessor,
                    actor=entry.entering,
                    outcome=outcome,
                    on_behalf_of=allowed.on_behalf(entry, case_file) or "",
                )
                for entry, task, case_file, outcome in ready
            ]
        )
        _move_flows(flow.positioning, [(entry.user, task, case_file) for entry, task, case_file, _ in ready])
    return left


@transaction.atomic
def record_training_plans(
    entries: list[TrainingPlanEntry], *, checks: TrainingPlanChecks | None = None
) -> list[TrainingPlanEntry]:
    """Complete many waiting training plans as the form does (`complete_step` of `record_training_plan`);
    returns the entries no longer waiting or refused, for the caller to run one by one (they fail there
    with the form's message). Locks as the task views do, process first, then the file."""
    flow = CandidatePathwayFlow
    tasks, files_by_id = _lock_waiting(entries, flow.training_plan, CaseFileState.TRAINING)
    before = files_before_plan(list(files_by_id))
    allowed = checks or TrainingPlanChecks()
    ready: list[tuple[TrainingPlanEntry, int, CaseFile]] = []
    left: list[TrainingPlanEntry] = []
    for entry, task, case_file in _waiting(entries, tasks, files_by_id, left):
        if allowed(entry, task, case_file, *before[case_file.pk]):
            ready.append((entry, task, case_file))
        else:
            left.append(entry)
    if ready:
        record_training_plans_in_bulk(
            [
                PlanToRecord(
                    case_file=case_file,
                    training_site=entry.training_site,
                    trainer=entry.trainer,
                    domains=list(entry.domains),
                    hours=entry.hours,
                    starts_on=entry.starts_on,
                    ends_on=entry.ends_on,
                    actor=entry.user,
                )
                for entry, task, case_file in ready
            ]
        )
        _move_flows(flow.training_plan, [(entry.user, task, case_file) for entry, task, case_file in ready])
    return left


@transaction.atomic
def record_final_evaluations(
    entries: list[FinalEvaluationEntry], *, checks: FinalEvaluationChecks | None = None
) -> list[FinalEvaluationEntry]:
    """Complete many waiting final evaluations as the form does (`complete_step` of
    `record_final_evaluation`): each file then waits for its jury, or for a new plan on what is still
    missing. Returns the entries no longer waiting or refused, for the caller to run one by one."""
    flow = CandidatePathwayFlow
    tasks, files_by_id = _lock_waiting(entries, flow.final_evaluation, CaseFileState.FINAL_EVALUATION)
    plans = latest_plans(list(files_by_id))
    allowed = checks or FinalEvaluationChecks()
    structures: dict[Any, FrameworkStructure] = {}
    ready: list[tuple[FinalEvaluationEntry, int, CaseFile, TrainingPlan, AssessmentOutcome]] = []
    left: list[FinalEvaluationEntry] = []
    for entry, task, case_file in _waiting(entries, tasks, files_by_id, left):
        plan = plans.get(case_file.pk)
        outcome = None
        if plan is not None and allowed(entry, task, case_file, plan):
            outcome = _outcome(entry, case_file, plan, structures)
        if plan is not None and outcome is not None:
            ready.append((entry, task, case_file, plan, outcome))
        else:
            left.append(entry)
    if ready:
        record_final_evaluations_in_bulk(
            [
                FinalEvaluationToRecord(
                    case_file=case_file,
                    plan=plan,
                    assessed_on=entry.assessed_on,
                    assessor=entry.assessor,
                    actor=entry.entering,
                    outcome=outcome,
                    on_behalf_of=allowed.on_behalf(entry, case_file) or "",
                )
                for entry, task, case_file, plan, outcome in ready
            ]
        )
        _move_flows(
            flow.final_evaluation, [(entry.user, task, case_file) for entry, task, case_file, *_ in ready]
        )
    return left


def _lock_waiting(
    entries: Sequence[Any], node: Any, state: CaseFileState
) -> tuple[dict[int, int], dict[int, CaseFile]]:
    """Lock the processes then the files (as `complete_step` and the services do); returns each process's
    task waiting at `node` and the files at `state`, their sites, certifications and frameworks at hand."""
    process_ids = sorted({e.process_id for e in entries})
    tasks: dict[int, int] = {}
    files: dict[int, CaseFile] = {}
    with index_lookups():  # processes, tasks and files written moments ago: by their indexes
        for chunk in _chunks(process_ids):
            list(
                CandidatePathwayProcess.objects.select_for_update()
                .filter(pk__in=chunk)
                .order_by("pk")
                .values("pk")
            )
        for chunk in _chunks(process_ids):
            tasks |= dict(
                CandidatePathwayTask.objects.filter(
                    process_id__in=chunk, flow_task=node, status=STATUS.NEW
                ).values_list("process_id", "pk")
            )
        for chunk in _chunks(sorted({e.case_file_id for e in entries})):
            files |= {
                f.pk: f
                for f in CaseFile.objects.select_for_update(of=("self",))
                .filter(pk__in=chunk, state=state)
                .select_related("candidate")
            }
    _attach_references(list(files.values()))
    return tasks, files


def _waiting(
    entries: Sequence[Any], tasks: dict[int, int], files: dict[int, CaseFile], left: list[Any]
) -> Iterator[tuple[Any, int, CaseFile]]:
    """The entries whose file waits at the step, with its task; the others (and a file's second entry) are
    added to `left`."""
    seen: set[int] = set()
    for entry in entries:
        task, case_file = tasks.get(entry.process_id), files.get(entry.case_file_id)
        if (
            task is None
            or case_file is None
            or case_file.process_id != entry.process_id
            or case_file.pk in seen
        ):
            left.append(entry)
            continue
        seen.add(case_file.pk)
        yield entry, task, case_file


def _outcome(
    entry: AssessmentEntry,
    case_file: CaseFile,
    plan: TrainingPlan | None,
    structures: dict[Any, FrameworkStructure],
) -> AssessmentOutcome | None:
    """The entry's outcome (`evaluate`, as the service computes it: for a final evaluation, on the plan's
    domains); None when the results are refused (the form says why)."""
    if entry.outcome is not None:
        return entry.outcome
    domains = None if plan is None else list(plan.domains.all())
    key = (case_file.framework_version_id, None if domains is None else frozenset(d.pk for d in domains))
    if key not in structures:
        structures[key] = framework_structure(case_file.framework_version, domains)
    try:
        return evaluate(structures[key], entry.results)
    except ValidationError:
        return None


def _attach_references(files: list[CaseFile]) -> None:
    """The few sites, certifications and frameworks of many files, read once each rather than joined to
    every file."""
    sites = Site.objects.in_bulk({f.evaluation_site_id for f in files})
    certifications = Certification.objects.in_bulk({f.certification_id for f in files})
    frameworks = FrameworkVersion.objects.in_bulk({f.framework_version_id for f in files})
    for case_file in files:
        case_file.evaluation_site = sites[case_file.evaluation_site_id]
        case_file.certification = certifications[case_file.certification_id]
        case_file.framework_version = frameworks[case_file.framework_version_id]


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), BATCH_SIZE):
        yield ids[start : start + BATCH_SIZE]


def _move_flows(node: Any, done: list[tuple[Any, int, CaseFile]]) -> None:
    """The rows the flow writes once the step's tasks (by id) are done: each task done, its 5-year timer
    cancelled (Viewflow's boundary event, when its host finishes), then the next task — after the gateway
    when the step leads to it — and its timer."""
    flow = CandidatePathwayFlow
    now = act_moment()
    by_user: dict[int, list[int]] = {}  # one statement per person (and thousand tasks), not per task
    for user, task, _ in done:
        by_user.setdefault(user.pk, []).append(task)
    for user_id, tasks in by_user.items():
        for chunk in _chunks(tasks):
            CandidatePathwayTask.objects.filter(pk__in=chunk).update(
                owner_id=user_id, status=STATUS.DONE, started=now, finished=now
            )
    _cancel_boundaries(node, [task for _, task, _ in done], now)
    links: list[tuple[int, int]] = []  # (task, the task before it)
    if node is flow.training_plan:
        _open(flow.final_evaluation, [(task, case_file) for _, task, case_file in done], now, links)
    else:
        for following in (flow.ready_for_jury, flow.training_plan):
            group = [(task, case_file) for _, task, case_file in done if _next_node(case_file) is following]
            if not group:
                continue
            gateways = insert_alike(
                _task(flow.all_domains_acquired, None, status=STATUS.DONE, created=now, finished=now),
                len(group),
                process=[case_file.process_id for _, case_file in group],
            )
            links += zip(gateways, [task for task, _ in group], strict=True)
            _open(
                following, list(zip(gateways, [case_file for _, case_file in group], strict=True)), now, links
            )
    insert_rows(CandidatePathwayTask.previous.through, ["from_task", "to_task"], links)


def _cancel_boundaries(host: Any, tasks: list[int], now: dt.datetime) -> None:
    """`BoundaryEventMixin._on_host_finished`: the host's armed timers are cancelled (finished now)."""
    boundaries = list(host._boundary_events)
    if not boundaries:
        return
    links = CandidatePathwayTask.previous.through.objects
    for chunk in _chunks(tasks):
        # Two flat, index-driven statements rather than a join: the join's plan went quadratic on tables whose
        # statistics were read while still empty (a bulk load in one transaction, as the demo's).
        timers = list(links.filter(to_task_id__in=chunk).values_list("from_task_id", flat=True))
        if timers:
            CandidatePathwayTask.objects.filter(pk__in=timers, flow_task__in=boundaries).exclude(
                status__in=[STATUS.DONE, STATUS.CANCELED, STATUS.REVIVED, STATUS.ERROR]
            ).update(status=STATUS.CANCELED, finished=now)


def _open(
    node: Any, after: list[tuple[int, CaseFile]], now: dt.datetime, links: list[tuple[int, int]]
) -> None:
    """The node's waiting task after each (task, file), then its 5-year timer (on the steps still acquiring
    only), as `Node.create` arms them."""
    processes = [case_file.process_id for _, case_file in after]
    following = insert_alike(
        _task(node, None, created=now, owner_permission=_permission(node)), len(after), process=processes
    )
    links += zip(following, [task for task, _ in after], strict=True)
    for boundary in node._boundary_events:
        timers = insert_alike(
            _task(boundary, None, status=STATUS.SCHEDULED, created=now),
            len(after),
            process=processes,
            scheduled=[expiry_moment(case_file) for _, case_file in after],
        )
        links += zip(timers, following, strict=True)


def _next_node(case_file: CaseFile) -> Any:
    flow = CandidatePathwayFlow
    return flow.ready_for_jury if case_file.state == CaseFileState.READY_FOR_JURY else flow.training_plan


def _task(node: Any, process_id: int | None, **fields: Any) -> CandidatePathwayTask:
    return CandidatePathwayTask(
        flow_task=node, flow_task_type=node.task_type, process_id=process_id, **fields
    )


def _permission(node: Any) -> str | None:
    calc = getattr(node, "calc_owner_permission", None)
    return calc(None) if calc else None
