"""Moving the open tasks of an absent person to a colleague, for both processes: who may ask, the locks,
the node's rule for taking a task and the audit event. The commands `reassign_pathway_tasks`
(`workflows/pathway/commands.py`) and `reassign_approval_tasks` (`workflows/approval/commands.py`) use them;
the dashboards' workload page calls those commands."""

from __future__ import annotations

import copy
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from viewflow.workflow.status import STATUS

from backoffice.core.accounts.roles import Role, has_role
from backoffice.core.accounts.types import Actor
from backoffice.core.audit.events import record

HELD = [STATUS.ASSIGNED, STATUS.STARTED]
REASSIGNERS = (Role.SUPERVISOR, Role.ADMINISTRATOR)
VERB = "task.reassigned"


def person_label(user: Any) -> str:
    return user.get_full_name() or user.get_username()


def may_reassign(user: Any) -> bool:
    return has_role(user, *REASSIGNERS)


def check_may_reassign(actor: Actor) -> None:
    """Refuse, with the reason, anyone but a supervisor or an administrator."""
    if not may_reassign(actor):
        raise PermissionDenied(
            "Seul·es les superviseur·es et les administrateur·rices peuvent réassigner des tâches."
        )


def check_reassignment(*, from_user: Actor, to_user: Actor, actor: Actor) -> None:
    """Refuse a reassignment the actor may not make, to the same person or to a deactivated account."""
    check_may_reassign(actor)
    if from_user.pk == to_user.pk:
        raise ValidationError("Choisissez une autre personne que celle qui détient les tâches.")
    if not to_user.is_active:
        raise ValidationError(
            f"Le compte de {person_label(to_user)} est désactivé : il ne peut pas recevoir de tâches."
        )


def held_by(tasks: QuerySet[Any], owner: Actor) -> QuerySet[Any]:
    """Among `tasks`, the open ones `owner` holds."""
    return tasks.filter(owner=owner, status__in=HELD)


def lock_held(process_model: Any, held: QuerySet[Any]) -> list[Any]:
    """Processes first, then their tasks: the order of Viewflow's lock and of the task views."""
    list(
        process_model.objects.select_for_update()
        .filter(pk__in=held.values("process_id"))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return list(held.select_for_update(of=("self",)).order_by("pk"))


def may_take(user: Any, task: Any) -> bool:
    """Viewflow's own rule for taking a task (the node's `can_assign`), asked as if the task were free:
    `can_assign` refuses any task that already has an owner."""
    free = copy.copy(task)
    free.owner_id = None
    return bool(task.flow_task.can_assign(user, free))


def record_reassignment(task: Any, subject: Any, *, from_user: Actor, to_user: Actor, actor: Actor) -> None:
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
