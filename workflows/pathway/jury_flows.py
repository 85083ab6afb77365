"""Moving many pathways past the jury at once (closing a session, issuing its certificates).

`CandidatePathwayFlow.ready_for_jury.run(task)` writes, per decided file: the jury step done (started and
finished), the `jury_outcome` switch done (finished, never started), then by the file's state either
`certificate_issued` waiting, `jury_return` waiting for the evaluator (with the node's permission) or the
`refused` end done, which finishes the process when nothing else is open; each new task linked to the one
before it. `certificate_issued.run(task)` writes the step done and the final `end`, which finishes the
process. This writes exactly those rows in a few statements; a test compares both ways.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from types import SimpleNamespace
from typing import Any

from django.utils import timezone
from viewflow.workflow.status import PROCESS, STATUS
from viewflow.workflow.token import Token

from backoffice.core.bulksql import insert_alike, insert_rows
from casefiles.models import CaseFile
from workflows.models import CandidatePathwayProcess, CandidatePathwayTask
from workflows.pathway.flow import CandidatePathwayFlow


def lock_processes(process_ids: Iterable[int]) -> None:
    """Lock the processes' rows in a fixed order, as the task views lock each (no deadlock)."""
    list(
        CandidatePathwayProcess.objects.select_for_update()
        .filter(pk__in=list(process_ids))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def move_past_jury(case_files: Sequence[CaseFile]) -> int:
    """Complete the waiting jury step of these files (their state already set by the decision) and take each
    down the switch's branch; files whose jury step is not waiting (abandoned, lapsed) are left. Returns how
    many moved."""
    flow = CandidatePathwayFlow
    waiting = _waiting(case_files, flow.ready_for_jury)
    if not waiting:
        return 0
    now = timezone.now()
    CandidatePathwayTask.objects.filter(pk__in=[task for task, _, _ in waiting]).update(
        status=STATUS.DONE, started=now, finished=now
    )
    switches = insert_alike(
        _task(flow.jury_outcome, _token(waiting), status=STATUS.DONE, created=now, finished=now),
        len(waiting),
        process=[case_file.process_id for _, _, case_file in waiting],
    )
    links = list(zip(switches, [task for task, _, _ in waiting], strict=True))
    branches: dict[Any, list[tuple[int, str, CaseFile]]] = {}
    for switch, (_, token, case_file) in zip(switches, waiting, strict=True):
        branches.setdefault(_branch(case_file), []).append((switch, token, case_file))
    for node, group in branches.items():
        processes = [case_file.process_id for _, _, case_file in group]
        if node is flow.refused:
            fields = {"status": STATUS.DONE, "started": now, "finished": now}
        else:
            fields = {"status": STATUS.NEW, "owner_permission": _permission(node)}
        created = insert_alike(
            _task(node, _token(group), created=now, **fields), len(group), process=processes
        )
        links += zip(created, [switch for switch, _, _ in group], strict=True)
        if node is flow.refused:
            _finish_idle(processes, now)
    insert_rows(CandidatePathwayTask.previous.through, ["from_task", "to_task"], links)
    return len(waiting)


def move_past_issuance(case_files: Sequence[CaseFile]) -> int:
    """Complete the waiting `certificate_issued` step of these files and end their pathways (what the
    certificate job's `finish_issuance` does for one). Returns how many moved."""
    flow = CandidatePathwayFlow
    waiting = _waiting(case_files, flow.certificate_issued)
    if not waiting:
        return 0
    now = timezone.now()
    CandidatePathwayTask.objects.filter(pk__in=[task for task, _, _ in waiting]).update(
        status=STATUS.DONE, started=now, finished=now
    )
    processes = [case_file.process_id for _, _, case_file in waiting]
    ends = insert_alike(
        _task(flow.end, _token(waiting), status=STATUS.DONE, created=now, started=now, finished=now),
        len(waiting),
        process=processes,
    )
    insert_rows(
        CandidatePathwayTask.previous.through,
        ["from_task", "to_task"],
        zip(ends, [task for task, _, _ in waiting], strict=True),
    )
    _finish_idle(processes, now)
    return len(waiting)


def _waiting(case_files: Sequence[CaseFile], node: Any) -> list[tuple[int, str, CaseFile]]:
    """(task id, token, file) of each file whose `node` task waits, in the files' order."""
    by_process = {f.process_id: f for f in case_files if f.process_id is not None}
    tasks = {
        process: (pk, str(token))
        for pk, process, token in CandidatePathwayTask.objects.filter(
            process_id__in=list(by_process), flow_task=node, status=STATUS.NEW
        ).values_list("pk", "process_id", "token")
    }
    return [(*tasks[p], f) for p, f in by_process.items() if p in tasks]


def _branch(case_file: CaseFile) -> Any:
    """The node the `jury_outcome` switch takes for the file: its own cases, asked in its order."""
    activation = SimpleNamespace(process=SimpleNamespace(case_file=case_file))
    for node, condition in CandidatePathwayFlow.jury_outcome._branches:
        if condition is None or condition(activation):
            return node
    raise AssertionError("the jury_outcome switch has a default branch")


def _finish_idle(process_ids: Sequence[int | None], now: Any) -> None:
    """What an end node does: the process is done when none of its tasks is still open."""
    open_tasks = CandidatePathwayTask.objects.filter(process_id__in=list(process_ids), finished__isnull=True)
    CandidatePathwayProcess.objects.filter(pk__in=list(process_ids)).exclude(
        pk__in=open_tasks.values("process_id")
    ).update(status=PROCESS.DONE, finished=now)


def _token(waiting: Sequence[tuple[int, str, CaseFile]]) -> Token:
    """The token the next tasks inherit: the pathway has no split, so every task carries the start token."""
    tokens = {token for _, token, _ in waiting}
    if len(tokens) != 1:
        raise ValueError(f"Jetons inattendus dans le parcours : {sorted(tokens)}")
    return Token(tokens.pop())


def _task(node: Any, token: Token, **fields: Any) -> CandidatePathwayTask:
    return CandidatePathwayTask(flow_task=node, flow_task_type=node.task_type, token=token, **fields)


def _permission(node: Any) -> str | None:
    calc = getattr(node, "calc_owner_permission", None)
    return calc(None) if calc else None
