"""Actions on a whole pathway: the casefiles service first, then the process follows."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from viewflow.workflow.status import STATUS

from accreditation.models import Site
from accreditation.scoping import scope_of
from casefiles import services
from casefiles.models import CaseFile

from .candidate_pathway import CandidatePathwayFlow


@transaction.atomic
def abandon_pathway(case_file: CaseFile, *, reason: str, actor: Any) -> CaseFile:
    """Abandon the file and cancel its open tasks."""
    case_file = services.abandon_case_file(case_file, reason=reason, actor=actor)
    if case_file.process_id:
        CandidatePathwayFlow.instance.cancel(case_file.process)
    return case_file


@transaction.atomic
def transfer_pathway(case_file: CaseFile, *, to_site: Site, reason: str, actor: Any) -> CaseFile:
    """Transfer the file; tasks held by the previous organisation's staff go back to the queue."""
    case_file = services.transfer_case_file(case_file, to_site=to_site, reason=reason, actor=actor)
    if case_file.process is not None:
        for task in case_file.process.task_set.filter(status=STATUS.ASSIGNED).select_related("owner"):
            if scope_of(task.owner).organisation_id != to_site.organisation_id:
                task.flow_task.activation_class(task).unassign()
    return case_file


def expire_pathways() -> int:
    """Close the files past their 5-year window and cancel their processes (safe to run twice)."""
    count = services.expire_case_files()
    for case_file in CaseFile.objects.filter(state="expired", process__status__in=["NEW", "STARTED"]):
        CandidatePathwayFlow.instance.cancel(case_file.process)
    return count
