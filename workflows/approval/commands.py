"""The commands that move the approval, the only entry points other code uses: from the organisation's side,
submission starts it and an answer resumes it; from the supervisors', an absent officer's tasks move to a
colleague."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from viewflow.workflow.status import STATUS

from accreditation import services
from accreditation.models import AccreditationApplication
from backoffice.core.accounts.types import Actor
from workflows.approval.flow import AccreditationApprovalFlow
from workflows.models import AccreditationApprovalProcess, AccreditationApprovalTask
from workflows.reassignment import check_reassignment, held_by, lock_held, may_take, record_reassignment
from workflows.steps import complete_task

VIEW_APPLICATIONS = "workflows.view_accreditationapprovalprocess"


@transaction.atomic
def submit_and_start(application: AccreditationApplication, *, actor: Actor) -> AccreditationApplication:
    """Submit the application (every rule checked by the service) and start its approval process."""
    if application.process_id:
        raise ValidationError("Ce dossier est déjà en cours d'instruction.")
    submitted = services.submit_application(application, actor=actor)
    AccreditationApprovalFlow.start.run(application=submitted)
    submitted.refresh_from_db()
    return submitted


def complete_approval_step(
    application: AccreditationApplication, node_name: str, *, user: Actor, run: Callable[[], Any]
) -> Any:
    """Take the application's open task of that step, run the domain service, and move the flow on: what a
    task view does (`workflows.pathway.commands.complete_step` for the pathway)."""
    node = getattr(AccreditationApprovalFlow, node_name)
    return complete_task(AccreditationApprovalFlow, application.process_id, node, user=user, run=run)


def answer_request(
    application: AccreditationApplication, *, response: str, answers: Sequence[str] = (), actor: Actor
) -> AccreditationApplication:
    """The organisation answers a request for information: the check comes back to the case officers."""
    with transaction.atomic(), AccreditationApprovalFlow.lock(application.process_id):
        task = AccreditationApprovalTask.objects.filter(
            process_id=application.process_id,
            flow_task=AccreditationApprovalFlow.awaiting_information,
            status=STATUS.NEW,
        ).first()
        if task is None:
            raise ValidationError("Aucun complément n'est attendu pour ce dossier.")
        answered = services.answer_information_request(
            application, response=response, answers=answers, actor=actor
        )
        AccreditationApprovalFlow.awaiting_information.run(task)
        return answered


def reassign_approval_tasks(
    tasks: QuerySet[AccreditationApprovalTask], *, from_user: Actor, to_user: Actor, actor: Actor
) -> tuple[int, int]:
    """Move to `to_user` the tasks among `tasks` that `from_user` holds, wherever `to_user` may take them
    (applications are national: the step's permission only), if the actor may see the applications. Returns
    the tasks moved and those left with `from_user`; one audit event per task moved, on the application's
    timeline."""
    check_reassignment(from_user=from_user, to_user=to_user, actor=actor)
    if not actor.has_perm(VIEW_APPLICATIONS):
        tasks = tasks.none()
    with transaction.atomic():
        held = lock_held(AccreditationApprovalProcess, held_by(tasks, from_user))
        moving = [task for task in held if may_take(to_user, task)]
        AccreditationApprovalTask.objects.filter(pk__in=[task.pk for task in moving]).update(owner=to_user)
        applications = AccreditationApplication.objects.in_bulk(
            [task.process_id for task in moving], field_name="process_id"
        )
        for task in moving:
            record_reassignment(
                task, applications[task.process_id], from_user=from_user, to_user=to_user, actor=actor
            )
    return len(moving), len(held) - len(moving)
