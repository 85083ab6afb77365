"""What the dashboards change: moving the tasks of an absent person to a colleague — the candidate pathway's
(evaluators) and the accreditation approval's (case officers)."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from viewflow.workflow import flow
from viewflow.workflow.status import STATUS

from accreditation.models import AccreditationApplication
from backoffice.core.accounts.roles import Role, has_role
from backoffice.core.accounts.types import Actor
from backoffice.core.audit.events import record
from casefiles.models import CaseFile
from workflows.models import (
    AccreditationApprovalProcess,
    AccreditationApprovalTask,
    CandidatePathwayProcess,
    CandidatePathwayTask,
)

from . import approval_backlog, backlog

HELD = [STATUS.ASSIGNED, STATUS.STARTED]
REASSIGNERS = (Role.SUPERVISOR, Role.ADMINISTRATOR)
VERB = "task.reassigned"


@dataclass(frozen=True)
class Reassignment:
    moved: int
    left: int  # tasks the new person may not take: the step's permission, or a file outside their scope


def person_label(user: Any) -> str:
    return user.get_full_name() or user.get_username()


def may_reassign(user: Any) -> bool:
    return has_role(user, *REASSIGNERS)


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


def may_take(user: Any, task: CandidatePathwayTask) -> bool:
    """Viewflow's own rule for taking a task (the node's `can_assign`), asked as if the task were free:
    `can_assign` refuses any task that already has an owner."""
    free = copy.copy(task)
    free.owner_id = None
    return bool(task.flow_task.can_assign(user, free))


def reassign_tasks(
    *, from_user: Any, to_user: Any, actor: Actor, task_ids: Iterable[int] | None = None
) -> Reassignment:
    """Move the open tasks `from_user` holds, within the actor's scope, to `to_user` wherever `to_user` may
    take them; the others stay with `from_user` and are counted. One audit event per task moved."""
    _check_request(from_user=from_user, to_user=to_user, actor=actor)
    pathway = held_tasks(from_user, actor=actor)
    approval = held_approval_tasks(from_user, actor=actor)
    if task_ids is not None:
        pathway = pathway.filter(pk__in=list(task_ids))
        approval = approval.filter(pk__in=list(task_ids))
    with transaction.atomic():
        moved, left = _move_pathway(pathway, from_user=from_user, to_user=to_user, actor=actor)
        more, more_left = _move_approval(approval, from_user=from_user, to_user=to_user, actor=actor)
    return Reassignment(moved=moved + more, left=left + more_left)


def _lock(process_model: Any, held: QuerySet) -> list[Any]:
    """Processes first, then their tasks: the order of Viewflow's lock and of the task views."""
    list(
        process_model.objects.select_for_update()
        .filter(pk__in=held.values("process_id"))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return list(held.select_for_update(of=("self",)).order_by("pk"))


def _move_pathway(held: QuerySet, *, from_user: Any, to_user: Any, actor: Actor) -> tuple[int, int]:
    tasks = _lock(CandidatePathwayProcess, held)
    in_scope = set(
        CandidatePathwayTask.objects.scoped_for(to_user)
        .filter(pk__in=[task.pk for task in tasks])
        .values_list("pk", flat=True)
    )
    # Transitions called from code do not check permissions: the rule of the node is asked here.
    moving = [task for task in tasks if task.pk in in_scope and may_take(to_user, task)]
    CandidatePathwayTask.objects.filter(pk__in=[task.pk for task in moving]).update(owner=to_user)
    files = dict(
        CaseFile.objects.filter(process_id__in=[task.process_id for task in moving]).values_list(
            "process_id", "pk"
        )
    )
    subjects = CaseFile.objects.in_bulk(list(files.values()))
    for task in moving:
        _record_move(
            task, subjects[files[task.process_id]], from_user=from_user, to_user=to_user, actor=actor
        )
    return len(moving), len(tasks) - len(moving)


def _move_approval(held: QuerySet, *, from_user: Any, to_user: Any, actor: Actor) -> tuple[int, int]:
    tasks = _lock(AccreditationApprovalProcess, held)
    moving = [task for task in tasks if may_take(to_user, task)]  # national: the step's permission only
    AccreditationApprovalTask.objects.filter(pk__in=[task.pk for task in moving]).update(owner=to_user)
    applications = AccreditationApplication.objects.in_bulk(
        [task.process_id for task in moving], field_name="process_id"
    )
    for task in moving:
        _record_move(task, applications[task.process_id], from_user=from_user, to_user=to_user, actor=actor)
    return len(moving), len(tasks) - len(moving)


def check_may_reassign(actor: Actor) -> None:
    """Refuse, with the reason, anyone but a supervisor or an administrator."""
    if not may_reassign(actor):
        raise PermissionDenied(
            "Seul·es les superviseur·es et les administrateur·rices peuvent réassigner des tâches."
        )


def _check_request(*, from_user: Any, to_user: Any, actor: Actor) -> None:
    check_may_reassign(actor)
    if from_user.pk == to_user.pk:
        raise ValidationError("Choisissez une autre personne que celle qui détient les tâches.")
    if not to_user.is_active:
        raise ValidationError(
            f"Le compte de {person_label(to_user)} est désactivé : il ne peut pas recevoir de tâches."
        )


def _record_move(task: Any, subject: Any, *, from_user: Any, to_user: Any, actor: Actor) -> None:
    """The event on the file's (or the application's) timeline."""
    node = task.flow_task
    record(
        VERB,
        actor=actor,
        subject=subject,
        summary=(
            f"Tâche « {node.task_title} » réassignée de {person_label(from_user)} à {person_label(to_user)}"
        ),
        data={"task": task.pk, "step": node.name, "from": from_user.pk, "to": to_user.pk},
    )
