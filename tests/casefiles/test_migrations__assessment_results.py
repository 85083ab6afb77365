"""Migration 0009 moves each assessment's results from one row per sub-domain and per criterion into the
assessment itself: the recorded results survive the move, both ways."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from casefiles.models import Assessment, AssessmentKind

from .conftest import TODAY

pytestmark = pytest.mark.django_db

BEFORE = [("casefiles", "0008_casefile_reference_by_site")]
AFTER = [("casefiles", "0009_assessment_results_in_one_row")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_recorded_results_survive_the_move_to_one_row_and_back(case_file, assessor):
    results = {"D1.1": True, "D1.2": False, "D7.4": True}
    criteria = {"D1.2.1": True, "D1.2.2": False}
    kept = Assessment.objects.create(
        case_file=case_file,
        kind=AssessmentKind.POSITIONING,
        assessed_on=TODAY - dt.timedelta(days=1),
        assessor=assessor,
        results=results,
        criteria=criteria,
    )
    with connection.cursor() as cursor:  # the rows written below are checked as they come, not at the end
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    old = _migrate(BEFORE)
    rows = old.get_model("casefiles", "SubDomainResult").objects.filter(assessment_id=kept.pk)
    assert dict(rows.values_list("subdomain__code", "acquired")) == results
    met = old.get_model("casefiles", "CriterionResult").objects.filter(assessment_id=kept.pk)
    assert dict(met.values_list("criterion__code", "met")) == criteria
    old.get_model("casefiles", "SubDomainResult").objects.filter(
        assessment_id=kept.pk, subdomain__code="D1.2"
    ).update(acquired=True)  # a result changed under the old tables is carried over

    new = _migrate(AFTER)
    moved = new.get_model("casefiles", "Assessment").objects.get(pk=kept.pk)
    assert moved.results == {**results, "D1.2": True} and list(moved.results) == ["D1.1", "D1.2", "D7.4"]
    assert moved.criteria == criteria
