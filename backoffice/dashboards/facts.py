"""Refreshing the outcome facts (`FileFact`): on PostgreSQL a materialised view, refreshed without blocking
its readers; on SQLite a plain view, always current."""

from __future__ import annotations

import datetime as dt
import time

from django.db import connection
from django.utils import timezone

from .models import FactsRefresh

VIEW = "dashboards_filefact"


def refresh_facts() -> float:
    """Recompute the facts from the case files and record when; returns the seconds it took."""
    started, now = time.perf_counter(), timezone.now()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # CONCURRENTLY keeps the view readable while it is rebuilt (it needs the unique index, and a
            # populated view); inside a transaction (tests) the plain refresh is used.
            concurrently = "" if connection.in_atomic_block else "CONCURRENTLY "
            cursor.execute(f"REFRESH MATERIALIZED VIEW {concurrently}{VIEW}")
        FactsRefresh.objects.update_or_create(view=VIEW, defaults={"refreshed_at": now})
    return time.perf_counter() - started


def facts_as_of() -> dt.datetime | None:
    """The time the facts were computed: the last refresh on PostgreSQL; now on SQLite (a plain view); None
    when a materialised view was never refreshed since it was created without a record."""
    if connection.vendor != "postgresql":
        return timezone.now()
    return FactsRefresh.objects.filter(view=VIEW).values_list("refreshed_at", flat=True).first()
