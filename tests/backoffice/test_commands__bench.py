from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command

from fixtures.demo import seed_demo

pytestmark = pytest.mark.django_db


def test_page_benchmark_reports_status_time_and_queries_per_page():
    seed_demo(scale="small", seed=3, today=dt.date(2026, 11, 26))
    out = StringIO()

    call_command("bench_pages", "--users", "evaluateur", "--repeat", "2", stdout=out)

    lines = out.getvalue().splitlines()
    assert len(lines) == 4
    assert all(" 200 " in line and "requêtes" in line for line in lines)
