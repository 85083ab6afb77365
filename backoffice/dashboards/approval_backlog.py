"""Backlog of the accreditation approval: its open tasks per step, region, certification, organisation and
person, by age and past their deadline. Applications are national (Viewflow's permission is the scope); an
application belongs to the regions of the establishments it lists and to the certifications it asks for,
so it counts once in each of them. A campaign holds hundreds of applications, not millions: one query
reads the open tasks and the sums are made here."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from accreditation.models import Certification, Department
from accreditation.validators import department_of_postcode
from workflows.approval.selectors import step_due_at, waiting_steps
from workflows.flows import AccreditationApprovalFlow
from workflows.models import AccreditationApprovalTask

from . import backlog
from .filters import Filters
from .tables import Table

PERMISSION = "workflows.view_accreditationapprovalprocess"
PREFIX = "instruction-"
TASKS_ROUTE = "instruction:task_list"
KEYS = {dimension: path for dimension, (path, _, _, _) in backlog.DIMENSIONS.items()}


def steps() -> list[Any]:
    """The approval's steps where a task waits, in the flow's order (the process's own list)."""
    return waiting_steps()


def is_overdue(
    step: Any,
    created: dt.datetime,
    answer_by: dt.date | None,
    now: dt.datetime,
    check_due_at: dt.datetime | None = None,
) -> bool:
    """Past its deadline (`step_due_at`, the process's one rule); the escalated steps always are."""
    approval = AccreditationApprovalFlow
    if step in (approval.completeness_check_escalated, approval.review_escalated):
        return True
    due = step_due_at(step.name, created, check_due_at=check_due_at, answer_by=answer_by)
    return due is not None and due < now


def _figures(created: dt.datetime, overdue: bool, now: dt.datetime) -> dict[str, int]:
    age = now - created
    figures = {"open": 1, "overdue": int(overdue)}
    for i, (_, younger, older) in enumerate(backlog.AGES):
        inside = (younger is None or age >= dt.timedelta(days=younger)) and (
            older is None or age < dt.timedelta(days=older)
        )
        figures[f"age{i}"] = int(inside)
    return figures


def cells(user: Any, filters: Filters, *, now: dt.datetime | None = None) -> dict[str, list[dict[str, Any]]]:
    """Per table, one cell per open task and value of its dimension (a task of an application with sites in
    two regions is two cells of the region table, one of the others), with the task's figures."""
    now = now or timezone.now()
    if not user.has_perm(PERMISSION):
        return {}
    tasks = (
        AccreditationApprovalTask.objects.filter(status__in=backlog.OPEN, flow_task__in=steps())
        .filter(filters.period_q("created__date"))
        .values(
            "flow_task",
            "created",
            "owner",
            "process__application__organisation",
            "process__application__answer_by",
            "process__application__check_due_at",
            "process__application__content__sites",
        )
        .order_by()
    )
    region_of = dict(Department.objects.values_list("code", "region_id"))
    certification_of = dict(Certification.objects.values_list("code", "pk"))
    tables: dict[str, list[dict[str, Any]]] = {name: [] for name in ("step", *KEYS)}
    for task in tasks:
        sites = task["process__application__content__sites"] or []
        regions = {region_of.get(department_of_postcode(site.get("postcode", ""))) for site in sites}
        certifications = {
            certification_of.get(scope.get("certification"))
            for site in sites
            for scope in site.get("scopes", [])
        }
        if filters.region_ids is not None:
            regions &= set(filters.region_ids)
            if not regions:
                continue
        if filters.certification_id is not None:
            if filters.certification_id not in certifications:
                continue
            certifications = {filters.certification_id}
        overdue = is_overdue(
            task["flow_task"],
            task["created"],
            task["process__application__answer_by"],
            now,
            task["process__application__check_due_at"],
        )
        figures = {"flow_task": task["flow_task"], **_figures(task["created"], overdue, now)}
        tables["step"].append(figures)
        tables["organisation"].append(
            {**figures, KEYS["organisation"]: task["process__application__organisation"]}
        )
        tables["owner"].append({**figures, KEYS["owner"]: task["owner"]})
        tables["region"] += [{**figures, KEYS["region"]: pk} for pk in regions if pk is not None]
        tables["certification"] += [{**figures, KEYS["certification"]: pk} for pk in certifications if pk]
    return tables


APPROVAL = "Instruction des habilitations : tâches ouvertes par"
TITLES = {
    "region": f"{APPROVAL} région (une candidature compte dans chaque région de ses établissements)",
    "certification": f"{APPROVAL} certification demandée",
    "organisation": f"{APPROVAL} organisme",
    "owner": f"{APPROVAL} personne assignée",
}


def tables(user: Any, filters: Filters) -> list[Table]:
    """The approval's tables, for those who may see the applications; none for the others."""
    found = cells(user, filters)
    if not found:
        return []
    step_table = backlog.by_step(
        found["step"],
        Filters(region_ids=None),  # the approval's task list filters by step only
        nodes=steps(),
        key=f"{PREFIX}etapes",
        title=f"{APPROVAL} étape",
        tasks_route=TASKS_ROUTE,
    )
    return [
        step_table,
        *(
            backlog.by_dimension(
                found[dimension], filters, dimension, prefix=PREFIX, title=TITLES[dimension], tasks_route=None
            )
            for dimension in KEYS
        ),
    ]
