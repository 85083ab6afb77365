"""What the dashboards change: moving the tasks of an absent person to a colleague — the candidate pathway's
(evaluators) and the accreditation approval's (case officers), each through its process's command."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from viewflow.workflow import flow

from backoffice.core.accounts.types import Actor
from workflows.approval.commands import reassign_approval_tasks
from workflows.models import AccreditationApprovalTask, CandidatePathwayTask
from workflows.pathway.commands import reassign_pathway_tasks
from workflows.reassignment import HELD
from workflows.reassignment import check_may_reassign as check_may_reassign
from workflows.reassignment import may_reassign as may_reassign
from workflows.reassignment import person_label as person_label

from . import approval_backlog, backlog


@dataclass(frozen=True)
class Reassignment:
    moved: int
    left: int  # tasks the new person may not take: the step's permission, or a file outside their scope


def assignable_steps() -> list[Any]:
    """The pathway's steps a person takes and holds (the jury's steps wait for a session, not a person)."""
    return [node for node in backlog.steps() if isinstance(node, flow.View)]


def held_tasks(owner: Any, *, actor: Actor) -> QuerySet[CandidatePathwayTask]:
    """The open pathway tasks `owner` holds, among those the actor may see."""
    return CandidatePathwayTask.objects.scoped_for(actor).filter(
        owner=owner, status__in=HELD, flow_task__in=assignable_steps()
    )


def approval_steps() -> list[Any]:
    """The approval's steps a person takes and holds (the organisation's answer is nobody's task)."""
    return [node for node in approval_backlog.steps() if isinstance(node, flow.View)]


def held_approval_tasks(owner: Any, *, actor: Actor) -> QuerySet[AccreditationApprovalTask]:
    """The open approval tasks `owner` holds, if the actor may see the applications (they are national)."""
    if not actor.has_perm(approval_backlog.PERMISSION):
        return AccreditationApprovalTask.objects.none()
    return AccreditationApprovalTask.objects.filter(
        owner=owner, status__in=HELD, flow_task__in=approval_steps()
    )


def reassign_tasks(
    *, from_user: Any, to_user: Any, actor: Actor, task_ids: Iterable[int] | None = None
) -> Reassignment:
    """Move the open tasks `from_user` holds, within the actor's scope, to `to_user` wherever `to_user` may
    take them; the others stay with `from_user` and are counted. One audit event per task moved."""
    pathway = held_tasks(from_user, actor=actor)
    approval = held_approval_tasks(from_user, actor=actor)
    if task_ids is not None:
        pathway = pathway.filter(pk__in=list(task_ids))
        approval = approval.filter(pk__in=list(task_ids))
    with transaction.atomic():
        moved, left = reassign_pathway_tasks(pathway, from_user=from_user, to_user=to_user, actor=actor)
        more, more_left = reassign_approval_tasks(approval, from_user=from_user, to_user=to_user, actor=actor)
    return Reassignment(moved=moved + more, left=left + more_left)
