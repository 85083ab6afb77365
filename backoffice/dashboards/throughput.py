"""Throughput: files opened, positioned, sent to the jury and certified per month and per week; jury sessions
held and files decided; the median and 90th-percentile days each step takes, and end to end. Within the
person's scope and the filters; without a period, the last twelve months."""

from __future__ import annotations

import datetime as dt
import statistics
from typing import Any

from django.db import connection
from django.db.models import Aggregate, Count, DurationField, ExpressionWrapper, F, QuerySet
from django.db.models.functions import TruncMonth, TruncWeek

from casefiles.models import AgendaItem, Certificate, JurySessionStatus
from casefiles.selectors import case_files_for, jury_sessions_for

from .filters import Filters, today
from .tables import Table

WEEKS_SHOWN = 12
REGION = "evaluation_site__region"


class Percentile(Aggregate):
    """PostgreSQL's ordered-set aggregate `percentile_cont(p) WITHIN GROUP (ORDER BY …)`."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(%(percentile)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression: Any, percentile: float, **extra: Any) -> None:
        super().__init__(expression, percentile=percentile, output_field=DurationField(), **extra)


def period(filters: Filters) -> tuple[dt.date, dt.date]:
    end = filters.end or today()
    return filters.start or end - dt.timedelta(days=365), end


def _files(user: Any, filters: Filters) -> QuerySet:
    return (
        case_files_for(user)
        .filter(filters.regions_q(REGION), filters.certification_q("certification"))
        .order_by()
    )


def _counts(
    queryset: QuerySet, date_field: str, start: dt.date, end: dt.date, trunc: Any
) -> dict[dt.date, int]:
    rows = (
        queryset.filter(**{f"{date_field}__range": (start, end)})
        .annotate(bucket=trunc(date_field))
        .values("bucket")
        .annotate(n=Count("pk"))
    )
    return {_day(row["bucket"]): row["n"] for row in rows}


def _day(value: Any) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def _series(
    user: Any, filters: Filters, start: dt.date, end: dt.date, trunc: Any
) -> list[dict[dt.date, int]]:
    files = _files(user, filters)
    certificates = Certificate.objects.filter(case_file__in=files.values("pk")).order_by()
    sessions = jury_sessions_for(user).filter(filters.regions_q("region"), status=JurySessionStatus.CLOSED)
    decided = AgendaItem.objects.filter(
        session__in=sessions.values("pk"), decided_at__isnull=False, case_file__in=files.values("pk")
    ).order_by()
    return [
        _counts(files, "opened_on", start, end, trunc),
        _counts(files, "positioned_on", start, end, trunc),
        _counts(files, "ready_for_jury_on", start, end, trunc),
        _counts(certificates, "awarded_on", start, end, trunc),
        _counts(sessions.order_by(), "held_on", start, end, trunc),
        _counts(decided, "decided_at__date", start, end, trunc),
    ]


FLOW_HEADERS = [
    "ouverts",
    "évalués (préalable)",
    "prêts pour le jury",
    "certifiés",
    "sessions de jury",
    "dossiers décidés",
]


def _buckets(start: dt.date, end: dt.date, *, weekly: bool) -> list[dt.date]:
    if weekly:
        first = start - dt.timedelta(days=start.weekday())
        return [first + dt.timedelta(weeks=n) for n in range((end - first).days // 7 + 1)]
    months, day = [], start.replace(day=1)
    while day <= end:
        months.append(day)
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return months


def flow_table(user: Any, filters: Filters, *, weekly: bool) -> Table:
    start, end = period(filters)
    if weekly:
        start = max(start, end - dt.timedelta(weeks=WEEKS_SHOWN))
    series = _series(user, filters, start, end, TruncWeek if weekly else TruncMonth)
    rows = [
        [
            f"semaine du {bucket:%d/%m/%Y}" if weekly else f"{bucket:%m/%Y}",
            *(counts.get(bucket, 0) for counts in series),
        ]
        for bucket in _buckets(start, end, weekly=weekly)
    ]
    return Table(
        "semaines" if weekly else "mois",
        f"Flux par semaine ({WEEKS_SHOWN} dernières semaines de la période)" if weekly else "Flux par mois",
        ["semaine" if weekly else "mois", *FLOW_HEADERS],
        rows,
        chart={"type": "line", "columns": [1, 2, 3, 4]},
    )


STEPS = (
    ("accueil → évaluation préalable", "opened_on", "positioned_on"),
    ("évaluation préalable → prêt pour le jury", "positioned_on", "ready_for_jury_on"),
    ("prêt pour le jury → certificat", "ready_for_jury_on", "certificate__awarded_on"),
    ("de bout en bout (accueil → certificat)", "opened_on", "certificate__awarded_on"),
)


def delays_table(user: Any, filters: Filters) -> Table:
    """For the files whose step ended in the period: how many, the median and the 90th percentile of days.
    Certificates taken over from the old system are left out: only their award is known (their file's
    `opened_on` is their jury's day, not a reception, and it has no pathway), so they would count days that
    never passed. Files taken over in progress (with their pathway, at their historical dates) count."""
    start, end = period(filters)
    rows = []
    for label, begin, finish in STEPS:
        done = (
            _files(user, filters)
            .filter(**{f"{finish}__range": (start, end), f"{begin}__isnull": False})
            .exclude(legacy_batch__isnull=False, process__isnull=True)
        )
        count, median, p90 = _percentiles(done, begin, finish)
        rows.append([label, count, median, p90])
    return Table(
        "delais",
        "Délais par étape (jours, dossiers dont l'étape s'est terminée dans la période)",
        ["étape", "dossiers", "médiane (jours)", "90e centile (jours)"],
        rows,
        chart={"type": "bar", "columns": [2, 3]},
    )


def _percentiles(files: QuerySet, begin: str, finish: str) -> tuple[int, float | None, float | None]:
    if connection.vendor == "postgresql":  # one aggregate query: the database orders the durations
        days = ExpressionWrapper(F(finish) - F(begin), output_field=DurationField())
        figures = files.annotate(days=days).aggregate(
            n=Count("pk"), median=Percentile("days", 0.5), p90=Percentile("days", 0.9)
        )
        return figures["n"], _days(figures["median"]), _days(figures["p90"])
    values = sorted((b - a).days for a, b in files.values_list(begin, finish))  # the demo's SQLite
    if not values:
        return 0, None, None
    return len(values), _round(statistics.median(values)), _round(_quantile(values, 0.9))


def _days(value: Any) -> float | None:
    if value is None:
        return None
    return _round(value.total_seconds() / 86400)


def _round(value: float) -> float:
    return round(float(value), 1)


def _quantile(values: list[int], q: float) -> float:
    """Linear interpolation between the closest ranks, as PostgreSQL's percentile_cont."""
    position = (len(values) - 1) * q
    low = int(position)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (position - low)


def throughput_tables(user: Any, filters: Filters) -> list[Table]:
    return [
        flow_table(user, filters, weekly=False),
        flow_table(user, filters, weekly=True),
        delays_table(user, filters),
    ]
