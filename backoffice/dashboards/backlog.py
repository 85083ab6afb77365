"""Backlog of the candidate pathway: open tasks per step, region, certification, organisation and person,
with their age (< 7 days, 7–30, 30–90, > 90) and how many are past their due date. One aggregate query
per table, over the tasks the person may see."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from viewflow.workflow.fields import get_task_ref, import_task_by_ref
from viewflow.workflow.status import STATUS

from accreditation.models import Certification, Organisation, Region
from casefiles.selectors import filter_by_case_file_scope
from workflows.flows import CandidatePathwayFlow
from workflows.models import CandidatePathwayTask

from .filters import Filters
from .models import OpenTask
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
DIMENSIONS: dict[str, tuple[str, Any, str, str]] = {  # the task's path to it, its model, its name, its title
    "region": (f"{FILE}__evaluation_site__region", Region, "name", "Région"),
    "certification": (f"{FILE}__certification", Certification, "name", "Certification"),
    "organisation": (f"{FILE}__evaluation_site__organisation", Organisation, "legal_name", "Organisme"),
    "owner": ("owner", get_user_model(), "username", "Personne assignée"),
}
FIGURES = ["open", *(f"age{i}" for i in range(len(AGES))), "overdue"]
TOP = 50  # organisations and people: the most loaded (a national view has 300 organisations, 600 people)


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


def _figures(now: dt.datetime, *, by_ref: bool = False) -> dict[str, Any]:
    """The conditional counts of a row: open, per age band, overdue (each step its own due time). `by_ref`:
    the step compared as stored in `OpenTask` (its reference), not through Viewflow's field."""
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
        node = getattr(CandidatePathwayFlow, name)
        step = get_task_ref(node) if by_ref else node
        overdue |= Q(flow_task=step, created__lt=now - dt.timedelta(days=days))
    figures["overdue"] = Count("id", filter=overdue)
    return figures


def grouped(user: Any, filters: Filters, *, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """The counts per step, region, certification, organisation and person together, in one aggregate
    query: the tables are their sums (five queries over the open tasks took five times as long)."""
    now = now or timezone.now()
    if connection.vendor == "postgresql":
        return _grouped_open_tasks(user, filters, now)
    keys = ["flow_task", *(key for key, _, _, _ in DIMENSIONS.values())]
    return list(open_tasks(user, filters).values(*keys).annotate(**_figures(now)).order_by())


OPEN_TASK_PATHS = {  # the dimension's path from `OpenTask`
    "region": "evaluation_site__region",
    "certification": "certification",
    "organisation": "evaluation_site__organisation",
    "owner": "owner",
}


def _grouped_open_tasks(user: Any, filters: Filters, now: dt.datetime) -> list[dict[str, Any]]:
    """The same counts from the open tasks kept at write time (`OpenTask`, PostgreSQL triggers): 75,000
    narrow rows at national scale instead of the task table joined to the files. The files' scope is the
    selector's (`filter_by_case_file_scope`), on the evaluation site the row carries."""
    rows = (
        filter_by_case_file_scope(OpenTask.objects.all(), user)
        .filter(flow_task__in=[get_task_ref(node) for node in steps()])
        .filter(filters.regions_q("evaluation_site__region"))
        .filter(filters.certification_q("certification"))
        .filter(filters.period_q("created__date"))
        .values("flow_task", *OPEN_TASK_PATHS.values())
        .annotate(**_figures(now, by_ref=True))
        .order_by()
    )
    with transaction.atomic(), connection.cursor() as cursor:
        # The planner's cost estimate turns JIT compilation on: it costs more than it saves here.
        cursor.execute("SET LOCAL jit = off")
        found = list(rows)
    return [
        {
            **row,
            "flow_task": import_task_by_ref(row["flow_task"]),
            **{DIMENSIONS[name][0]: row[path] for name, path in OPEN_TASK_PATHS.items()},
        }
        for row in found
    ]


def _sums(cells: list[dict[str, Any]], key: str) -> dict[Any, list[int]]:
    totals: dict[Any, list[int]] = {}
    for cell in cells:
        total = totals.setdefault(str(cell[key]) if key == "flow_task" else cell[key], [0] * len(FIGURES))
        for i, figure in enumerate(FIGURES):
            total[i] += cell[figure]
    return totals


TASKS_ROUTE = "parcours:task_list"  # the pathway's task list, filtered by the links' query


def by_step(
    cells: list[dict[str, Any]],
    filters: Filters,
    *,
    nodes: list[Any] | None = None,
    key: str = "etapes",
    title: str = "Tâches ouvertes par étape",
    tasks_route: str = TASKS_ROUTE,
) -> Table:
    """One row per step, in the flow's order, with a link to the step's filtered task list (`tasks_route`)."""
    tasks_url = reverse(tasks_route) + "?"
    totals = _sums(cells, "flow_task")
    rows: list[list[Any]] = []
    links: list[str | None] = []
    for node in steps() if nodes is None else nodes:
        if str(node) in totals:
            rows.append([str(node.task_title), *totals[str(node)]])
            links.append(tasks_url + filters.query(flow_task=get_task_ref(node)))
    return Table(
        key,
        title,
        ["étape", *HEADERS],
        rows,
        chart={"type": "bar", "stacked": True, "columns": range(2, 2 + len(AGES))},
        links=links,
    )


def by_dimension(
    cells: list[dict[str, Any]],
    filters: Filters,
    dimension: str,
    *,
    prefix: str = "",
    title: str | None = None,
    tasks_route: str | None = TASKS_ROUTE,
) -> Table:
    """One row per region, certification, organisation or person (the 50 most loaded of these two: every
    person is on the workload page), most loaded first; a link to the filtered task list where that list
    has the filter (route `tasks_route`; None: no links)."""
    tasks_url = reverse(tasks_route) + "?" if tasks_route is not None else None
    key, model, name_field, label = DIMENSIONS[dimension]
    totals = _sums(cells, key)
    names = dict(
        model._default_manager.filter(pk__in=[pk for pk in totals if pk is not None]).values_list(
            "pk", name_field
        )
    )
    ordered = sorted(totals.items(), key=lambda item: (-item[1][0], names.get(item[0]) or "~"))
    heading = title or f"Tâches ouvertes par {label.lower()}"
    if dimension in ("organisation", "owner") and len(ordered) > TOP:
        heading += f" — les {TOP} plus chargé·es sur {len(ordered)}"
        ordered = ordered[:TOP]
    rows: list[list[Any]] = []
    links: list[str | None] = []
    for pk, figures in ordered:
        rows.append([names.get(pk) or ("(non assignée)" if dimension == "owner" else "—"), *figures])
        linked = tasks_url is not None and dimension != "owner"
        links.append(f"{tasks_url}{filters.query(**{dimension: pk})}" if linked else None)
    return Table(
        f"{prefix}par-{dimension}",
        heading,
        [label.lower(), *HEADERS],
        rows,
        chart={"type": "bar", "stacked": True, "columns": range(2, 2 + len(AGES))}
        if dimension != "organisation"
        else None,
        links=links,
    )


def backlog_tables(user: Any, filters: Filters) -> list[Table]:
    cells = grouped(user, filters)
    return [by_step(cells, filters), *(by_dimension(cells, filters, dimension) for dimension in DIMENSIONS)]
