"""The dashboards' benchmark runs end to end (on a few files here) and refuses a database too small."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from viewflow.workflow.status import STATUS

from tests.dashboards.helpers import open_tasks

pytestmark = pytest.mark.django_db


def test_the_benchmark_times_every_page_beside_the_naive_way_and_the_floor(idf_site):
    open_tasks(idf_site, [(3, None, STATUS.NEW), (40, None, STATUS.NEW)], name="Banc")
    out = io.StringIO()

    call_command("bench_dashboards", "--repeat", "2", "--min-files", "1", stdout=out)

    lines = [line for line in out.getvalue().splitlines() if line.startswith("| ")]
    assert len(lines) == 1 + 10  # header, ten measures
    pages = [line for line in lines if "page " in line or "instructeur" in line]
    assert len(pages) == 6 and all("| 200 |" in line for line in pages)
    assert all("objectif" not in line and ("atteint" in line) for line in pages)


def test_the_benchmark_refuses_a_database_without_the_national_dataset(idf_site):
    with pytest.raises(CommandError, match="générez d'abord le jeu"):
        call_command("bench_dashboards", stdout=io.StringIO())
