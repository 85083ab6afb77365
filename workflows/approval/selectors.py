"""Reads of the accreditation approval: the application a process runs on."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from viewflow.workflow.status import STATUS

from accreditation.models import AccreditationApplication, Certification
from workflows.models import AccreditationApprovalTask


def application_of_process(process: Any) -> AccreditationApplication:
    """The application an approval process runs on, with its campaign and organisation."""
    return AccreditationApplication.objects.select_related("campaign", "organisation").get(process=process)


def certification_names(codes: set[str]) -> dict[str, str]:
    """The names of the certifications an application's scopes name by code (one query)."""
    return dict(Certification.objects.filter(code__in=codes).values_list("code", "name"))


APPROVAL_PERMISSION = "workflows.view_accreditationapprovalprocess"


@dataclass(frozen=True)
class WaitingApplication:
    """An open step of an application's approval, as a person's to-do reads it."""

    task: Any
    application: AccreditationApplication
    step: str
    created: dt.datetime
    due_at: dt.datetime | None
    overdue: bool


def _approval_flow() -> Any:
    from workflows.approval.flow import AccreditationApprovalFlow  # the flow imports this module

    return AccreditationApprovalFlow


def step_due_at(
    name: str, created: dt.datetime, *, check_due_at: dt.datetime | None, answer_by: dt.date | None
) -> dt.datetime | None:
    """The one rule of an approval step's deadline (home pages, kanban, backlog dashboard): the check's clock
    (`check_due_at`, paused while information is requested) or its days, the review's days, the end of the
    organisation's answer date; the escalated steps keep their step's deadline (past); the proposal and the
    board's decision have none."""
    if name in ("completeness_check", "completeness_check_escalated"):
        return check_due_at or created + dt.timedelta(days=settings.APPLICATION_CHECK_DAYS)
    if name in ("review", "review_escalated"):
        return created + dt.timedelta(days=settings.APPLICATION_REVIEW_DAYS)
    if name == "awaiting_information" and answer_by:
        return timezone.make_aware(dt.datetime.combine(answer_by + dt.timedelta(days=1), dt.time.min))
    return None


def _due_at(name: str, created: dt.datetime, application: AccreditationApplication) -> dt.datetime | None:
    return step_due_at(name, created, check_due_at=application.check_due_at, answer_by=application.answer_by)


def _step_label(name: str, title: str, application: AccreditationApplication) -> str:
    if name.startswith("completeness_check") and application.request_message:
        return "Réponse de l'organisme à vérifier"
    return title


def waiting_applications(
    user: Any, *, now: dt.datetime | None = None, held_by_others: bool = False
) -> list[WaitingApplication]:
    """The open steps of the approval (national: Viewflow's permission is the scope) that nobody else holds
    (or all of them with `held_by_others`), with their deadline, the overdue first. One query."""
    if not user.has_perm(APPROVAL_PERMISSION):
        return []
    now = now or timezone.now()
    steps = waiting_steps()
    tasks = (
        AccreditationApprovalTask.objects.filter(
            status__in=[STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED], flow_task__in=steps
        )
        .select_related("process__application__organisation", "process__application__campaign")
        .order_by("created", "pk")
    )
    if not held_by_others:
        tasks = tasks.filter(Q(owner__isnull=True) | Q(owner=user))
    rows = []
    for task in tasks:
        application = getattr(task.process, "application", None)
        if application is None:  # a process whose application is not attached yet
            continue
        name = task.flow_task.name
        due_at = _due_at(name, task.created, application)
        escalated = name.endswith("_escalated")
        rows.append(
            WaitingApplication(
                task=task,
                application=application,
                step=_step_label(name, task.flow_task.task_title, application),
                created=task.created,
                due_at=due_at,
                overdue=escalated or (due_at is not None and due_at < now),
            )
        )
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    return sorted(rows, key=lambda row: (not row.overdue, row.due_at or far, row.created))


def waiting_steps() -> list[Any]:
    """The approval's steps where a task waits, in the flow's order: the officers' and the board's, and the
    organisation's answer to a request for information."""
    approval = _approval_flow()
    return [
        approval.completeness_check,
        approval.completeness_check_escalated,
        approval.awaiting_information,
        approval.review,
        approval.review_escalated,
        approval.proposal,
        approval.board_decision,
    ]
