"""Starting many candidate pathways at once (imports).

`CandidatePathwayFlow.start_from_code.run(case_file)` writes, per file: the process, its start task
(done), the positioning task waiting for the evaluator (with the node's permission) and the link
between the two. This writes exactly those rows in a few statements; a test compares both ways.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils import timezone
from viewflow.workflow.status import PROCESS, STATUS

from casefiles.models import CaseFile

from .candidate_pathway import CandidatePathwayFlow
from .models import CandidatePathwayProcess, CandidatePathwayTask

BATCH_SIZE = 1000


def start_pathways(case_files: Sequence[CaseFile]) -> list[CandidatePathwayProcess]:
    """Start the pathway of each file (opened by a bulk service) and link each file to its process."""
    flow = CandidatePathwayFlow
    start, first = flow.start_from_code, flow.positioning
    now = timezone.now()
    processes = [
        CandidatePathwayProcess(flow_class=flow, status=PROCESS.NEW, created=now) for _ in case_files
    ]
    CandidatePathwayProcess.objects.bulk_create(processes, batch_size=BATCH_SIZE)
    starts = [
        CandidatePathwayTask(
            flow_task=start,
            flow_task_type=start.task_type,
            process=process,
            status=STATUS.DONE,
            created=now,
            started=now,
            finished=now,
        )
        for process in processes
    ]
    CandidatePathwayTask.objects.bulk_create(starts, batch_size=BATCH_SIZE)
    permission = first.calc_owner_permission(None)
    waiting = [
        CandidatePathwayTask(
            flow_task=first,
            flow_task_type=first.task_type,
            process=process,
            status=STATUS.NEW,
            created=now,
            owner_permission=permission,
        )
        for process in processes
    ]
    CandidatePathwayTask.objects.bulk_create(waiting, batch_size=BATCH_SIZE)
    links = CandidatePathwayTask.previous.through
    links.objects.bulk_create(
        (links(from_task_id=task.pk, to_task_id=done.pk) for task, done in zip(waiting, starts, strict=True)),
        batch_size=BATCH_SIZE,
    )
    for case_file, process in zip(case_files, processes, strict=True):
        case_file.process = process
    CaseFile.objects.bulk_update(case_files, ["process"], batch_size=BATCH_SIZE)
    return processes
