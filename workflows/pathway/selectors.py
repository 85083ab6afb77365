"""Reads of the candidate pathway: its tasks in the user's scope and the case file a process runs on."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import Case, Count, DateTimeField, F, Q, QuerySet, When
from django.utils import timezone
from viewflow.workflow.status import STATUS

from casefiles.models import CaseFile
from workflows.models import CandidatePathwayTask

OPEN_STATUSES = [STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED]


def tasks_for(user: Any) -> QuerySet[CandidatePathwayTask]:
    """Pathway tasks on the case files in the user's scope."""
    return CandidatePathwayTask.objects.scoped_for(user)


def case_file_of_process(process: Any) -> CaseFile:
    """The case file a pathway process runs on (a process or its pk), with its site and framework version."""
    return CaseFile.objects.select_related("evaluation_site", "framework_version").get(process=process)


def _waiting_steps() -> dict[Any, int]:
    """The pathway's steps a person of the evaluating organisation works on, with their days before due."""
    from viewflow.workflow import flow

    from workflows.pathway.flow import CandidatePathwayFlow  # the flow imports this module's neighbours

    nodes = {
        getattr(CandidatePathwayFlow, name): days for name, days in settings.PATHWAY_STEP_DUE_DAYS.items()
    }
    return {node: days for node, days in nodes.items() if isinstance(node, flow.View)}


def step_due_on(task: Any) -> dt.date | None:
    """The one rule of a pathway step's deadline (kanban, home pages, reminders): a set number of days after
    the day it opened (`PATHWAY_STEP_DUE_DAYS`); late from the day after. A finished step has none."""
    days = settings.PATHWAY_STEP_DUE_DAYS.get(task.flow_task.name)
    if not days or task.finished is not None:
        return None
    return timezone.localdate(task.created) + dt.timedelta(days=days)


def late_since(now: dt.datetime) -> dt.datetime:
    """Steps due before this instant are late (`step_due_on` before today): the start of today, Paris time."""
    return timezone.make_aware(dt.datetime.combine(timezone.localdate(now), dt.time.min))


def _with_due_at(tasks: QuerySet[CandidatePathwayTask]) -> QuerySet[CandidatePathwayTask]:
    steps = _waiting_steps()
    due_at = Case(
        *(When(flow_task=node, then=F("created") + dt.timedelta(days=days)) for node, days in steps.items()),
        output_field=DateTimeField(),
    )
    return tasks.filter(status__in=OPEN_STATUSES, flow_task__in=list(steps)).annotate(due_at=due_at)


def waiting_tasks_for(user: Any, *, limit: int = 10) -> list[CandidatePathwayTask]:
    """The open steps of the files in the user's scope, the longest overdue first, each with its `due_at`,
    its case file, candidate and certification."""
    tasks = _with_due_at(tasks_for(user)).select_related(
        "process__case_file__candidate", "process__case_file__certification"
    )
    return list(tasks.order_by("due_at", "pk")[:limit])


def waiting_counts_by_step(user: Any, *, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Per step of the pathway, in the flow's order: its title, its open tasks, how many are past due."""
    now = now or timezone.now()
    rows = {
        row["flow_task"]: row
        for row in _with_due_at(tasks_for(user))
        .values("flow_task")
        .annotate(count=Count("id"), overdue=Count("id", filter=Q(due_at__lt=late_since(now))))
        .order_by()
    }
    return [
        {
            "step": node,
            "title": node.task_title,
            "count": rows.get(node, {}).get("count", 0),
            "overdue": rows.get(node, {}).get("overdue", 0),
        }
        for node in _waiting_steps()
    ]


def overdue_task_count(user: Any, *, now: dt.datetime | None = None) -> int:
    """Open steps of the pathway in the user's scope past their due date."""
    return _with_due_at(tasks_for(user)).filter(due_at__lt=late_since(now or timezone.now())).count()
