"""A large import refreshes the statistics of the tables it filled (PostgreSQL), and never fails for them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import DatabaseError, connection
from django.utils import timezone

from backoffice.imports import services
from backoffice.imports.models import ImportStatus
from casefiles.models import CaseFile
from tests.backoffice.imports_helpers import candidate_row, csv_bytes, imported

pytestmark = pytest.mark.django_db


def _rows(site):  # type: ignore[no-untyped-def]
    day = f"{timezone.localdate() - dt.timedelta(days=1):%d/%m/%Y}"
    return [candidate_row(site.siret, f"DOS-{n}", nom=f"Nom{'a' * n}", date_accueil=day) for n in range(1, 4)]


def _estimated_files() -> float:
    """What the planner believes the files table holds (-1 until analysed)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [CaseFile._meta.db_table])
        return float(cursor.fetchone()[0])


def test_a_large_import_analyses_the_tables_it_filled(evaluator, idf_site, monkeypatch):
    monkeypatch.setattr(services, "ANALYSE_AFTER_ROWS", 3)
    before = _estimated_files()

    job = imported(csv_bytes(_rows(idf_site)), actor=evaluator)

    assert job.status == ImportStatus.APPLIED and CaseFile.objects.count() == 3
    assert before != 3
    assert _estimated_files() == 3


def test_a_small_import_leaves_the_statistics_to_autovacuum(evaluator, idf_site, monkeypatch):
    monkeypatch.setattr(services, "ANALYSE_AFTER_ROWS", 4)
    before = _estimated_files()  # ANALYZE writes it in place: an earlier test's may remain

    imported(csv_bytes(_rows(idf_site)[:2]), actor=evaluator)

    assert CaseFile.objects.count() == 2 and _estimated_files() == before


def test_statistics_that_cannot_be_refreshed_do_not_undo_the_import(evaluator, idf_site, monkeypatch):
    monkeypatch.setattr(services, "ANALYSE_AFTER_ROWS", 1)

    def refused(models):  # type: ignore[no-untyped-def]
        raise DatabaseError("permission refusée")

    monkeypatch.setattr(services, "refresh_statistics", refused)

    job = imported(csv_bytes(_rows(idf_site)), actor=evaluator)

    assert job.status == ImportStatus.APPLIED and CaseFile.objects.count() == 3
