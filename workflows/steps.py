"""What a task view does, for code: take the process's open task of a step, check who may, run the domain
service, move the flow on — shared by both processes' commands (`complete_step`, `complete_approval_step`).
Viewflow's transitions called from code do not check permissions: this does."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from viewflow.workflow.status import STATUS

from backoffice.core.accounts.types import Actor


def complete_task(
    flow: Any, process_id: int | None, node: Any, *, user: Actor, run: Callable[[], Any]
) -> Any:
    """Complete the open task of `node` in the process, as `user`, around `run` (the domain service)."""
    with transaction.atomic(), flow.lock(process_id):
        task = (
            flow.task_class.objects.filter(
                process_id=process_id, flow_task=node, status__in=[STATUS.NEW, STATUS.ASSIGNED]
            )
            .order_by("pk")
            .first()
        )
        if task is None:
            raise ValidationError("Cette étape n'est pas en attente pour ce dossier.")
        activation = node.activation_class(task)
        if task.status == STATUS.NEW:
            if not activation.assign.has_perm(user):
                raise PermissionDenied("Vous ne pouvez pas prendre cette tâche.")
            activation.assign(user)
        if not activation.start.has_perm(user):
            raise PermissionDenied("Cette tâche est attribuée à quelqu'un d'autre.")
        activation.start(None)
        result = run()
        activation.execute()
        return result
