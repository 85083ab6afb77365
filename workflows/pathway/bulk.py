"""Starting many candidate pathways at once (imports).

`CandidatePathwayFlow.start_from_code.run(case_file)` writes, per file: the process, its start task
(done), the positioning task waiting for the evaluator (with the node's permission) and the link
between the two. This writes exactly those rows in a few statements; a test compares both ways.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from viewflow.workflow.status import PROCESS, STATUS

from accreditation.models import Certification, Site
from backoffice.core.accounts.types import Actor
from backoffice.core.bulksql import index_lookups, insert_alike, insert_rows, update_matching
from casefiles.models import CaseFile, CaseFileState
from casefiles.rules.acquisition import AssessmentOutcome, evaluate
from casefiles.rules.dates import check_date
from casefiles.selectors import expiry_moment, framework_structure
from casefiles.services.access import ensure_evaluator, ensure_may_enter
from casefiles.services.bulk import PositioningToRecord, record_positionings_in_bulk
from workflows.models import CandidatePathwayProcess, CandidatePathwayTask
from workflows.pathway.flow import CandidatePathwayFlow

BATCH_SIZE = 1000


def start_pathways(count: int) -> list[int]:
    """Start `count` pathways and return their processes' ids, one for each file about to be opened (its
    `process`): the rows `start_from_code.run(case_file)` writes, for many files at once."""
    flow = CandidatePathwayFlow
    start, first = flow.start_from_code, flow.positioning
    now = timezone.now()
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
class Positioning:
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


def record_positionings(
    entries: list[Positioning], *, checks: PositioningChecks | None = None
) -> list[Positioning]:
    """Complete many waiting positionings as the form does, in a few statements; returns the entries that
    are no longer waiting or not allowed (the caller runs them one by one: they fail with the form's message).
    `checks` keeps who may record what between the batches of one transaction (an import).

    Locks as the task views do, process first, then the file."""
    flow = CandidatePathwayFlow
    by_process = {e.process_id: e for e in entries}
    with index_lookups():  # processes, tasks and files written moments ago: by their indexes
        list(
            CandidatePathwayProcess.objects.select_for_update()
            .filter(pk__in=by_process)
            .order_by("pk")
            .values("pk")
        )
        tasks = dict(  # process -> its waiting positioning
            CandidatePathwayTask.objects.filter(
                process_id__in=by_process, flow_task=flow.positioning, status=STATUS.NEW
            ).values_list("process_id", "pk")
        )
        files_by_id = {
            f.pk: f
            for f in CaseFile.objects.select_for_update(of=("self",))
            .filter(pk__in=[e.case_file_id for e in entries], state=CaseFileState.POSITIONING)
            .select_related("candidate")
        }
    _attach_sites_and_certifications(list(files_by_id.values()))
    ready, left = [], []
    allowed = checks or PositioningChecks()
    for entry in entries:
        task, case_file = tasks.get(entry.process_id), files_by_id.get(entry.case_file_id)
        if task is None or case_file is None or not allowed(entry, task, case_file):
            left.append(entry)
        else:
            ready.append((entry, task, case_file))
    if ready:
        record_positionings_in_bulk(
            [
                PositioningToRecord(
                    case_file=case_file,
                    assessed_on=entry.assessed_on,
                    assessor=entry.assessor,
                    actor=entry.entering,
                    outcome=entry.outcome
                    or evaluate(framework_structure(case_file.framework_version), entry.results),
                    on_behalf_of=allowed.on_behalf(entry, case_file) or "",
                )
                for entry, task, case_file in ready
            ]
        )
        _move_flows([(entry.user, task, case_file) for entry, task, case_file in ready])
    return left


def _attach_sites_and_certifications(files: list[CaseFile]) -> None:
    """The few sites and certifications of many files, read once each rather than joined to every file."""
    sites = Site.objects.in_bulk({f.evaluation_site_id for f in files})
    certifications = Certification.objects.in_bulk({f.certification_id for f in files})
    for case_file in files:
        case_file.evaluation_site = sites[case_file.evaluation_site_id]
        case_file.certification = certifications[case_file.certification_id]


class PositioningChecks:
    """The checks of `complete_step` and of the service, on each file (each person and site checked once):
    anything refused goes one by one, to fail with the form's message."""

    def __init__(self) -> None:
        self.people: dict[tuple[Any, ...], bool] = {}
        self.behalf: dict[tuple[Any, ...], str | None] = {}

    def __call__(self, entry: Positioning, task: int, case_file: CaseFile) -> bool:
        try:
            check_date(entry.assessed_on, not_before=case_file.opened_on, label="", previous="")
        except ValidationError:
            return False
        people_ok = all(
            self._may(person, case_file, entry.assessed_on) for person in (entry.user, entry.assessor)
        ) and (entry.actor is None or self.on_behalf(entry, case_file) is not None)
        return people_ok and self._may_take(entry.user, task)

    def _may(self, person: Any, case_file: CaseFile, day: dt.date) -> bool:
        key = (person.pk, case_file.evaluation_site_id, case_file.certification_id, day)
        if key not in self.people:
            try:
                ensure_evaluator(person, case_file.evaluation_site, case_file.certification, day, what="")
                self.people[key] = True
            except (ValidationError, PermissionDenied):
                self.people[key] = False
        return self.people[key]

    def on_behalf(self, entry: Positioning, case_file: CaseFile) -> str | None:
        """The organisation the entry is entered for ("" for its own staff); None when the one entering may
        not (`ensure_may_enter`, the service's rule)."""
        site, certification = case_file.evaluation_site_id, case_file.certification_id
        key: tuple[Any, ...] = ("enter", entry.entering.pk, site, certification, entry.assessed_on)
        if key not in self.behalf:
            try:
                self.behalf[key] = ensure_may_enter(
                    entry.entering,
                    case_file.evaluation_site,
                    case_file.certification,
                    entry.assessed_on,
                    what="",
                )
            except (ValidationError, PermissionDenied):
                self.behalf[key] = None
        return self.behalf[key]

    def _may_take(self, user: Any, task: int) -> bool:
        key = ("assign", user.pk)
        if key not in self.people:  # a permission of the node: the same for every waiting positioning
            waiting = CandidatePathwayTask.objects.get(pk=task)
            self.people[key] = bool(CandidatePathwayFlow.positioning.can_assign(user, waiting))
        return self.people[key]


def _move_flows(done: list[tuple[Any, int, CaseFile]]) -> None:
    """The rows the flow writes after a positioning (each waiting task by id): the task done, the gateway,
    the next task, its timer."""
    flow = CandidatePathwayFlow
    now = timezone.now()
    update_matching(
        CandidatePathwayTask,
        ["id"],
        ["owner", "status", "started", "finished"],
        [(task, user.pk, STATUS.DONE, now, now) for user, task, _ in done],
    )
    links: list[tuple[int, int]] = []  # (task, the task before it)
    for node in (flow.ready_for_jury, flow.training_plan):
        group = [(task, case_file) for _, task, case_file in done if _next_node(case_file) is node]
        if not group:
            continue
        processes = [case_file.process_id for _, case_file in group]
        gateways = insert_alike(
            _task(flow.all_domains_acquired, None, status=STATUS.DONE, created=now, finished=now),
            len(group),
            process=processes,
        )
        following = insert_alike(
            _task(node, None, created=now, owner_permission=_permission(node)), len(group), process=processes
        )
        links += zip(gateways, [task for task, _ in group], strict=True)
        links += zip(following, gateways, strict=True)
        for boundary in node._boundary_events:  # the 5-year timer, on the steps still acquiring only
            timers = insert_alike(
                _task(boundary, None, status=STATUS.SCHEDULED, created=now),
                len(group),
                process=processes,
                scheduled=[expiry_moment(case_file) for _, case_file in group],
            )
            links += zip(timers, following, strict=True)
    insert_rows(CandidatePathwayTask.previous.through, ["from_task", "to_task"], links)


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
