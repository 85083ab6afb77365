"""PostgreSQL itself refuses to change, delete or add a line of an issued statement — a `QuerySet.update()`,
a bulk delete, raw SQL — not only `StatementLine.save()`/`delete()`; a draft's lines are still replaced each
time its period is computed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction

from backoffice.fees.models import FeeKind, FeePeriod, Statement, StatementLine
from backoffice.fees.services import compute_period, freeze_period
from tests.fees.conftest import P1, P2, positioned

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL trigger"),
]


@pytest.fixture
def issued_line(site_a, staff_a, finance) -> StatementLine:
    positioned(site_a, staff_a, P1[0] + dt.timedelta(days=3))
    freeze_period(compute_period(*P1, actor=finance), actor=finance)
    return StatementLine.objects.get(kind=FeeKind.POSITIONING)


def test_updating_the_lines_of_an_issued_statement_in_bulk_is_refused(issued_line):
    refused = f"Le relevé {issued_line.statement.number} est émis"
    with pytest.raises(DatabaseError, match=refused), transaction.atomic():
        StatementLine.objects.filter(statement=issued_line.statement).update(amount_ht=Decimal("1.00"))

    assert StatementLine.objects.get(pk=issued_line.pk).amount_ht == Decimal("20.00")


def test_deleting_the_lines_of_an_issued_statement_in_bulk_or_in_sql_is_refused(issued_line):
    with pytest.raises(DatabaseError, match="ses lignes ne se modifient plus"), transaction.atomic():
        StatementLine.objects.filter(pk=issued_line.pk)._raw_delete(connection.alias)
    with pytest.raises(DatabaseError, match="est émis"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {StatementLine._meta.db_table}")  # noqa: S608

    assert StatementLine.objects.filter(pk=issued_line.pk).exists()


def test_a_draft_line_is_not_moved_onto_an_issued_statement_in_bulk(site_a, staff_a, finance, issued_line):
    positioned(site_a, staff_a, P2[0] + dt.timedelta(days=3), name="Durand")
    draft = Statement.objects.get(period=compute_period(*P2, actor=finance))
    draft_line = StatementLine.objects.get(statement=draft)

    with pytest.raises(DatabaseError, match="est émis"), transaction.atomic():
        StatementLine.objects.filter(pk=draft_line.pk).update(statement=issued_line.statement)

    assert StatementLine.objects.get(pk=draft_line.pk).statement == draft


def test_a_drafts_lines_are_still_replaced_updated_and_deleted(site_a, staff_a, finance, issued_line):
    positioned(site_a, staff_a, P2[0] + dt.timedelta(days=3), name="Durand")
    period = compute_period(*P2, actor=finance)
    first = set(StatementLine.objects.filter(statement__period=period).values_list("pk", flat=True))

    positioned(site_a, staff_a, P2[0] + dt.timedelta(days=4), name="Petit")
    compute_period(*P2, actor=finance)  # computed again: its lines deleted and inserted anew

    lines = StatementLine.objects.filter(statement__period=period)
    assert lines.filter(kind=FeeKind.POSITIONING).count() == 2 and not first & set(
        lines.values_list("pk", flat=True)
    )
    assert lines.update(reason="Vérifié") == 2
    # A preview overlapping the period computed is deleted with its lines.
    compute_period(P2[0], P2[1] - dt.timedelta(days=1), actor=finance)
    assert not FeePeriod.objects.filter(pk=period.pk).exists()
    assert StatementLine.objects.get(pk=issued_line.pk).statement.is_issued
