"""Refreshing the outcome facts (`FileFact`): on PostgreSQL a materialised view, refreshed without blocking
its readers; on SQLite a plain view, always current."""

from __future__ import annotations

import time

from django.db import connection


def refresh_facts() -> float:
    """Recompute the facts from the case files; returns the seconds it took."""
    started = time.perf_counter()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # CONCURRENTLY keeps the view readable while it is rebuilt (it needs the unique index, and a
            # populated view); inside a transaction (tests) the plain refresh is used.
            concurrently = "" if connection.in_atomic_block else "CONCURRENTLY "
            cursor.execute(f"REFRESH MATERIALIZED VIEW {concurrently}dashboards_filefact")
    return time.perf_counter() - started
