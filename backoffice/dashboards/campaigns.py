"""Accreditation campaigns: applications per state and the days they spend in each (from their audit trail),
each campaign's outcomes, the sites accredited per region and certification, and the accreditations ending
in the next twelve months. Applications are national (Certif'Pro's staff see them all); accreditations
follow the person's regions."""

from __future__ import annotations

import datetime as dt
import statistics
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q

from accreditation.events import ApplicationEvent
from accreditation.models import (
    AccreditationApplication,
    AccreditationRole,
    AccreditationStatus,
    ApplicationStatus,
    Certification,
)
from accreditation.selectors import accreditations_for, applications_for
from backoffice.core.audit.models import AuditEvent

from .filters import Filters, today
from .tables import Table

# The status an application enters with each event of its trail.
ENTERS: dict[str, str] = {
    ApplicationEvent.SUBMITTED: ApplicationStatus.SUBMITTED,
    ApplicationEvent.INFORMATION_REQUESTED: ApplicationStatus.INFORMATION_REQUESTED,
    ApplicationEvent.INFORMATION_PROVIDED: ApplicationStatus.SUBMITTED,
    ApplicationEvent.COMPLETE: ApplicationStatus.IN_REVIEW,
    ApplicationEvent.REVIEWED: ApplicationStatus.REVIEWED,
    ApplicationEvent.PROPOSED: ApplicationStatus.PROPOSED,
    ApplicationEvent.DECIDED: ApplicationStatus.DECIDED,
    ApplicationEvent.REQUEST_EXPIRED: ApplicationStatus.EXPIRED,
}
FINAL = {ApplicationStatus.DECIDED, ApplicationStatus.EXPIRED, ApplicationStatus.WITHDRAWN}
EXPIRY_MONTHS = 12


def _applications(user: Any, filters: Filters) -> Any:
    return (
        applications_for(user)
        .exclude(status=ApplicationStatus.DRAFT)
        .filter(filters.period_q("submitted_at__date"))
    )


def states_table(user: Any, filters: Filters, *, now: dt.datetime | None = None) -> Table:
    """Per state: the applications in it now, and the median days an application spent in it (finished
    stays, and the current one up to now)."""
    applications = _applications(user, filters)
    counts = dict(applications.order_by().values_list("status").annotate(n=Count("pk")))
    stays = _stays(list(applications.values_list("pk", flat=True)), now or dt.datetime.now(dt.UTC))
    rows = []
    for status in ApplicationStatus:
        if status == ApplicationStatus.DRAFT:
            continue
        days = stays.get(status, [])
        median = round(statistics.median(days), 1) if days and status not in FINAL else None
        rows.append(
            [status.label, counts.get(status.value, 0), len(days) if status not in FINAL else None, median]
        )
    return Table(
        "etats",
        "Candidatures par état",
        ["état", "candidatures dans cet état", "passages dans cet état", "jours dans l'état (médiane)"],
        rows,
        chart={"type": "bar", "columns": [1]},
    )


def _stays(ids: list[int], now: dt.datetime) -> dict[str, list[float]]:
    """Days of each stay in each state, from the applications' events (one query, oldest first)."""
    if not ids:
        return {}
    events = (
        AuditEvent.objects.filter(
            subject_type=ContentType.objects.get_for_model(AccreditationApplication),
            subject_id__in=[str(pk) for pk in ids],
            verb__in=list(ENTERS),
        )
        .order_by("subject_id", "occurred_at", "id")
        .values_list("subject_id", "verb", "occurred_at")
    )
    stays: dict[str, list[float]] = {}
    current: dict[str, tuple[str, dt.datetime]] = {}
    for subject, verb, at in events:
        if subject in current:
            state, since = current[subject]
            stays.setdefault(state, []).append((at - since).total_seconds() / 86400)
        current[subject] = (ENTERS[verb], at)
    for state, since in current.values():
        if state not in FINAL:
            stays.setdefault(state, []).append((now - since).total_seconds() / 86400)
    return stays


def campaigns_table(user: Any, filters: Filters) -> Table:
    rows = (
        _applications(user, filters)
        .order_by()
        .values("campaign__name")
        .annotate(
            submitted=Count("pk"),
            decided=Count("pk", filter=Q(status=ApplicationStatus.DECIDED)),
            expired=Count("pk", filter=Q(status=ApplicationStatus.EXPIRED)),
            withdrawn=Count("pk", filter=Q(status=ApplicationStatus.WITHDRAWN)),
            open=Count("pk", filter=~Q(status__in=list(FINAL))),
        )
        .order_by("campaign__name")
    )
    return Table(
        "campagnes",
        "Décisions par campagne",
        ["campagne", "déposées", "décidées", "closes faute de complément", "retirées", "en cours"],
        [
            [r["campaign__name"], r["submitted"], r["decided"], r["expired"], r["withdrawn"], r["open"]]
            for r in rows
        ],
    )


def accredited_sites_table(user: Any, filters: Filters) -> Table:
    """Sites accredited as evaluators today, per region and certification (a site counts once per cell)."""
    day = today()
    certifications = list(Certification.objects.order_by("code"))
    active: Any = (
        accreditations_for(user)
        .filter(filters.regions_q("site__region"), filters.certification_q("certification"))
        .filter(status=AccreditationStatus.ACTIVE, role=AccreditationRole.EVALUATOR)
        .filter(valid_from__lte=day, valid_to__gte=day)
        .order_by()
        .values("site__region__name")
        .annotate(
            **{c.code: Count("site", filter=Q(certification=c), distinct=True) for c in certifications},
            total=Count("site", distinct=True),
        )
        .order_by("site__region__name")
    )
    return Table(
        "habilitations",
        "Établissements habilités (évaluateurs) par région et certification, aujourd'hui",
        ["région", *(c.name for c in certifications), "établissements"],
        [[r["site__region__name"], *(r[c.code] for c in certifications), r["total"]] for r in active],
        chart={"type": "bar", "stacked": True, "columns": list(range(1, 1 + len(certifications)))},
    )


def expiring_table(user: Any, filters: Filters) -> Table:
    day = today()
    end = day + dt.timedelta(days=366)
    rows_qs = (
        accreditations_for(user)
        .filter(filters.regions_q("site__region"), filters.certification_q("certification"))
        .filter(status=AccreditationStatus.ACTIVE, valid_to__range=(day, end))
        .order_by()
        .values("valid_to__year", "valid_to__month")
        .annotate(n=Count("pk"))
    )
    by_month = {(r["valid_to__year"], r["valid_to__month"]): r["n"] for r in rows_qs}
    rows, year, month = [], day.year, day.month
    for _ in range(EXPIRY_MONTHS + 1):
        rows.append([f"{month:02d}/{year}", by_month.get((year, month), 0)])
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return Table(
        "echeances",
        "Habilitations arrivant à échéance, par mois",
        ["mois", "habilitations"],
        rows,
        chart={"type": "bar", "columns": [1]},
    )


def campaign_tables(user: Any, filters: Filters) -> list[Table]:
    return [
        states_table(user, filters),
        campaigns_table(user, filters),
        accredited_sites_table(user, filters),
        expiring_table(user, filters),
    ]
