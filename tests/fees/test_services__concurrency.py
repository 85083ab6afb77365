"""Two computations of a period at once make one period and one statement per organisation; periods issued at
once share the year's series without a gap or a duplicate (a locked row: PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable

import pytest
from django.db import connection
from django.utils import timezone

from backoffice.fees.models import FeePeriod, Statement, StatementLine
from backoffice.fees.services import compute_period, freeze_period, take_numbers
from tests.fees.conftest import P1, P2, positioned

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are no-ops on SQLite")


def at_once(work: list[Callable[[], object]]) -> list[str]:
    """Run each callable in its own thread and connection, all released together; the errors met."""
    barrier, errors = threading.Barrier(len(work)), []

    def run(job: Callable[[], object]) -> None:
        barrier.wait()
        try:
            job()
        except Exception as error:  # reported below
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


def test_two_computations_of_a_period_at_once_make_one_statement_per_organisation(
    transactional_db, site_a, staff_a, site_b, finance
):
    positioned(site_a, staff_a, P1[0] + dt.timedelta(days=4))

    errors = at_once([lambda: compute_period(*P1, actor=finance)] * 2)

    assert errors == []
    assert FeePeriod.objects.count() == 1
    assert sorted(Statement.objects.values_list("organisation_id", flat=True)) == sorted(
        [site_a.organisation_id, site_b.organisation_id]
    )
    assert StatementLine.objects.filter(kind="positioning").count() == 1


def test_periods_issued_at_once_are_numbered_without_gap_or_duplicate(
    transactional_db, site_a, site_b, finance
):
    ranges = [P1, (P2[0], P2[0] + dt.timedelta(days=30)), (P2[0] + dt.timedelta(days=31), P2[1])]
    periods = [compute_period(start, end, actor=finance) for start, end in ranges]

    errors = at_once([lambda period=period: freeze_period(period, actor=finance) for period in periods])

    assert errors == []
    year = timezone.localdate().year
    numbers = sorted(Statement.objects.values_list("number", flat=True))
    assert numbers == [f"RDV-{year}-{n:06d}" for n in range(1, 7)]  # two organisations, three periods


def test_numbers_taken_at_once_are_contiguous(transactional_db):
    from django.db import transaction

    taken: list[str] = []

    def take() -> None:
        with transaction.atomic():
            taken.extend(take_numbers(2031, 3))

    assert at_once([take] * 6) == []
    assert sorted(taken) == [f"RDV-2031-{n:06d}" for n in range(1, 19)]
