"""Backlog of the candidate pathway: open tasks per step, region, certification, organisation and person,
with their age (< 7 days, 7–30, 30–90, > 90) and how many are past their due date. One aggregate query
per table, over the tasks the person may see."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from viewflow.workflow.fields import get_task_ref
from viewflow.workflow.status import STATUS

from workflows.flows import CandidatePathwayFlow
from workflows.models import CandidatePathwayTask

from .filters import Filters
from .tables import Table

OPEN = [STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED]
FILE = "process__case_file"
AGES = (
    ("moins de 7 jours", None, 7),
    ("7 à 30 jours", 7, 30),
    ("30 à 90 jours", 30, 90),
    ("plus de 90 jours", 90, None),
)
HEADERS = ["ouvertes", *(label for label, _, _ in AGES), "en retard"]
DIMENSIONS = {
    "region": (f"{FILE}__evaluation_site__region", f"{FILE}__evaluation_site__region__name", "Région"),
    "certification": (f"{FILE}__certification", f"{FILE}__certification__name", "Certification"),
    "organisation": (
        f"{FILE}__evaluation_site__organisation",
        f"{FILE}__evaluation_site__organisation__legal_name",
        "Organisme",
    ),
    "owner": ("owner", "owner__username", "Personne assignée"),
}
TOP_ORGANISATIONS = 50


def steps() -> list[Any]:
    """The pathway's human steps, in the flow's order, that have a due time."""
    return [getattr(CandidatePathwayFlow, name) for name in settings.PATHWAY_STEP_DUE_DAYS]


def open_tasks(user: Any, filters: Filters) -> QuerySet:
    """The open human tasks of the pathway the person may see, within the filters (the period is the date
    the task was created)."""
    return (
        CandidatePathwayTask.objects.scoped_for(user)
        .filter(status__in=OPEN, flow_task__in=steps())
        .filter(filters.regions_q(f"{FILE}__evaluation_site__region"))
        .filter(filters.certification_q(f"{FILE}__certification"))
        .filter(filters.period_q("created__date"))
    )


def _figures(now: dt.datetime) -> dict[str, Any]:
    """The conditional counts of a row: open, per age band, overdue (each step its own due time)."""
    figures: dict[str, Any] = {"open": Count("id")}
    for i, (_, younger, older) in enumerate(AGES):
        band = Q()
        if younger is not None:
            band &= Q(created__lte=now - dt.timedelta(days=younger))
        if older is not None:
            band &= Q(created__gt=now - dt.timedelta(days=older))
        figures[f"age{i}"] = Count("id", filter=band)
    overdue = Q(pk__in=[])
    for name, days in settings.PATHWAY_STEP_DUE_DAYS.items():
        overdue |= Q(flow_task=getattr(CandidatePathwayFlow, name), created__lt=now - dt.timedelta(days=days))
    figures["overdue"] = Count("id", filter=overdue)
    return figures


def _row(values: dict[str, Any]) -> list[Any]:
    return [values["open"], *(values[f"age{i}"] for i in range(len(AGES))), values["overdue"]]


def by_step(user: Any, filters: Filters, *, now: dt.datetime | None = None) -> Table:
    counts = {
        str(row["flow_task"]): row
        for row in open_tasks(user, filters).values("flow_task").annotate(**_figures(now or timezone.now()))
    }
    rows: list[list[Any]] = []
    links: list[str | None] = []
    for node in steps():
        values = counts.get(str(node))
        if values is None:
            continue
        rows.append([str(node.task_title), *_row(values)])
        links.append("/parcours/tasks/?" + filters.query(flow_task=get_task_ref(node)))
    return Table(
        "etapes",
        "Tâches ouvertes par étape",
        ["étape", *HEADERS],
        rows,
        chart={"type": "bar", "stacked": True, "columns": range(2, 2 + len(AGES))},
        links=links,
    )


def by_dimension(user: Any, filters: Filters, dimension: str, *, now: dt.datetime | None = None) -> Table:
    key, label, title = DIMENSIONS[dimension]
    rows_qs = (
        open_tasks(user, filters)
        .values(key, label)
        .annotate(**_figures(now or timezone.now()))
        .order_by("-open", label)
    )
    if dimension == "organisation":
        rows_qs = rows_qs[:TOP_ORGANISATIONS]
    rows: list[list[Any]] = []
    links: list[str | None] = []
    for values in rows_qs:
        name = values[label] or ("(non assignée)" if dimension == "owner" else "—")
        rows.append([name, *_row(values)])
        link_filter = {"region": values[key]} if dimension == "region" else {}
        if dimension == "certification":
            link_filter = {"certification": values[key]}
        if dimension == "organisation":
            link_filter = {"organisation": values[key]}
        links.append("/parcours/tasks/?" + filters.query(**link_filter) if dimension != "owner" else None)
    return Table(
        f"par-{dimension}",
        f"Tâches ouvertes par {title.lower()}",
        [title.lower(), *HEADERS],
        rows,
        chart={"type": "bar", "stacked": True, "columns": range(2, 2 + len(AGES))}
        if dimension != "organisation"
        else None,
        links=links,
    )


def backlog_tables(user: Any, filters: Filters) -> list[Table]:
    now = timezone.now()
    return [
        by_step(user, filters, now=now),
        *(by_dimension(user, filters, dimension, now=now) for dimension in DIMENSIONS),
    ]
