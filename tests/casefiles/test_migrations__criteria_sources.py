"""Data migration 0013: assessments recorded before the verdict's source was stored say which sub-domains
their criteria decided; at national scale (millions of assessments) each chunk is written as it is read."""

from __future__ import annotations

import importlib

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext

from accreditation.models import Criterion
from casefiles.models import Assessment, AssessmentKind

pytestmark = pytest.mark.django_db

BEFORE = [("casefiles", "0012_assessment_decided_by_criteria")]
MIGRATION = importlib.import_module("casefiles.migrations.0013_assessment_decided_by_criteria_data")


def _migrate(targets):  # type: ignore[no-untyped-def]
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_each_chunk_of_assessments_is_written_as_it_is_read(case_file, assessor, monkeypatch):
    leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    criteria = list(
        Criterion.objects.filter(
            subdomain__code="D1.1", subdomain__domain__framework_version=case_file.framework_version
        ).values_list("code", flat=True)
    )
    old = _migrate(BEFORE)
    OldAssessment = old.get_model("casefiles", "Assessment")
    ids = [
        OldAssessment.objects.create(
            case_file_id=case_file.pk,
            kind=AssessmentKind.POSITIONING,
            assessed_on=case_file.opened_on,
            assessor_id=assessor.pk,
            results={"D1.1": True, "D1.2": False},
            criteria=dict.fromkeys(criteria, True),
            decided_by_criteria=[],
        ).pk
        for _ in range(3)
    ]
    monkeypatch.setattr(MIGRATION, "CHUNK", 2)

    with CaptureQueriesContext(connection) as queries:
        _migrate(leaves)

    writes = [
        q["sql"] for q in queries.captured_queries if q["sql"].startswith('UPDATE "casefiles_assessment"')
    ]
    assert len(writes) == 2  # a chunk of two, then the last one: never all of them held at once
    assert [a.decided_by_criteria for a in Assessment.objects.filter(pk__in=ids)] == [["D1.1"]] * 3
