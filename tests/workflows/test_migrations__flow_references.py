"""Data migrations workflows 0006 and dashboards 0005: the flows moved to their packages, and Viewflow
stores each flow's module in every process and task row; the stored references follow, and the open-task
copy the backlog reads keeps every open task of the pathway whichever reference it carries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from viewflow.workflow.fields import get_flow_ref, get_task_ref

from backoffice.dashboards.models import OpenTask
from tests.casefiles.conftest import candidate_data as candidate_data  # the fixtures
from tests.casefiles.conftest import case_file as case_file
from tests.casefiles.conftest import clea as clea
from workflows.models import CandidatePathwayProcess, CandidatePathwayTask
from workflows.pathway.commands import start_pathway
from workflows.pathway.flow import CandidatePathwayFlow

pytestmark = pytest.mark.django_db
BEFORE = [("workflows", "0005_cancel_jury_wait_timers_data"), ("dashboards", "0004_file_facts_funding")]
OLD = "workflows/candidate_pathway.CandidatePathwayFlow"


def _migrate(targets):  # type: ignore[no-untyped-def]
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def _stored(process_id: int) -> tuple[str, list[str], list[str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT flow_class FROM viewflow_process WHERE id = %s", [process_id])
        (flow_class,) = cursor.fetchone()
        cursor.execute("SELECT flow_task FROM viewflow_task WHERE process_id = %s ORDER BY id", [process_id])
        tasks = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT flow_task FROM dashboards_opentask WHERE process_id = %s ORDER BY id", [process_id]
        )
        open_tasks = [row[0] for row in cursor.fetchall()]
    return flow_class, tasks, open_tasks


def test_stored_references_follow_the_flows_and_the_backlog_keeps_the_open_tasks(case_file):
    leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()
    start_pathway(case_file)
    case_file.refresh_from_db()
    process_id = case_file.process_id
    new_class, new_tasks, new_open = _stored(process_id)
    assert new_class == get_flow_ref(CandidatePathwayFlow) == "workflows/pathway.flow.CandidatePathwayFlow"
    assert new_open == [get_task_ref(CandidatePathwayFlow.positioning)]

    _migrate(BEFORE)  # as stored before the move

    old_class, old_tasks, old_open = _stored(process_id)
    assert old_class == OLD
    assert all(task.startswith(f"{OLD}.") for task in old_tasks) and len(old_tasks) == len(new_tasks)
    assert old_open == [f"{OLD}.positioning"]

    _migrate(leaves)

    assert _stored(process_id) == (new_class, new_tasks, new_open)
    waiting = CandidatePathwayTask.objects.get(
        process_id=process_id, flow_task=CandidatePathwayFlow.positioning
    )
    assert waiting.flow_task is CandidatePathwayFlow.positioning  # Viewflow reads the rewritten reference
    assert CandidatePathwayProcess.objects.get(pk=process_id).flow_class is CandidatePathwayFlow
    assert OpenTask.objects.filter(process_id=process_id).count() == 1
