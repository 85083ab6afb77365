"""Certificate numbers: one series per certification, year and region, with no gap and no duplicate, even
when several sessions close at once (PostgreSQL row lock on the series counter)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from casefiles.services.certificates import _take_numbers

pytestmark = pytest.mark.django_db


def next_number(prefix: str, year: int, region_code: str) -> str:
    return _take_numbers(prefix, year, region_code, 1)[0]


def test_numbers_follow_each_other_per_series(db):
    assert next_number("CLEA", 2026, "IDF") == "CLEA-2026-IDF-000001"
    assert next_number("CLEA", 2026, "IDF") == "CLEA-2026-IDF-000002"
    assert next_number("CLEA", 2026, "ARA") == "CLEA-2026-ARA-000001"
    assert next_number("CLEANUM", 2026, "IDF") == "CLEANUM-2026-IDF-000001"
    assert next_number("CLEA", 2027, "IDF") == "CLEA-2027-IDF-000001"


def test_a_number_taken_by_a_rolled_back_issuance_is_given_again(db):
    with pytest.raises(RuntimeError), transaction.atomic():
        next_number("CLEA", 2026, "OCC")
        raise RuntimeError("the session's close failed")
    assert next_number("CLEA", 2026, "OCC") == "CLEA-2026-OCC-000001"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are no-ops on SQLite")
def test_concurrent_issuance_gives_unique_contiguous_numbers(transactional_db):
    threads_count, barrier, numbers, errors = 8, threading.Barrier(8), [], []

    def issue() -> None:
        barrier.wait()
        try:
            with transaction.atomic():
                numbers.append(next_number("CLEA", 2026, "BFC"))
        except Exception as error:  # the test reports it below
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=issue) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sorted(numbers) == [f"CLEA-2026-BFC-{n:06d}" for n in range(1, threads_count + 1)]


def test_a_session_takes_its_numbers_in_one_go_following_the_series(db):
    assert next_number("CLEA", 2026, "NOR") == "CLEA-2026-NOR-000001"
    assert _take_numbers("CLEA", 2026, "NOR", 3) == [f"CLEA-2026-NOR-{n:06d}" for n in (2, 3, 4)]
    assert next_number("CLEA", 2026, "NOR") == "CLEA-2026-NOR-000005"
