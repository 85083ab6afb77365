from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from viewflow.workflow.status import STATUS

from casefiles.models import CaseFileState
from casefiles.services import open_case_file, record_positioning
from tests.casefiles.conftest import results_for
from workflows.models import CandidatePathwayTask
from workflows.pathway.commands import complete_step, start_pathway

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()


@pytest.fixture
def imported(evaluator, idf_site, clea, candidate_data):
    case_file = open_case_file(
        site=idf_site, certification=clea, opened_on=TODAY, candidate_data=candidate_data, actor=None
    )
    start_pathway(case_file)
    case_file.refresh_from_db()
    return case_file


def test_an_imported_file_starts_its_process_waiting_for_positioning(imported):
    task = CandidatePathwayTask.objects.get(process=imported.process, status=STATUS.NEW)
    assert task.flow_task.name == "positioning"
    assert imported.process.task_set.filter(flow_task_type="START", status=STATUS.DONE).count() == 1


def test_a_step_completed_from_code_moves_the_flow_like_the_form(imported, evaluator, assessor):
    def positioning():
        return record_positioning(
            imported,
            assessed_on=TODAY,
            assessor=assessor,
            results=results_for(imported.framework_version),
            actor=evaluator,
        )

    complete_step(imported, "positioning", user=evaluator, run=positioning)

    imported.refresh_from_db()
    assert imported.state == CaseFileState.READY_FOR_JURY
    assert CandidatePathwayTask.objects.get(process=imported.process, status=STATUS.NEW).flow_task.name == (
        "ready_for_jury"
    )


def test_staff_of_another_organisation_cannot_take_the_step_even_with_the_permission(
    imported, evaluator_of_other_organisation, assessor
):
    def positioning():
        return record_positioning(
            imported,
            assessed_on=TODAY,
            assessor=assessor,
            results=results_for(imported.framework_version),
            actor=evaluator_of_other_organisation,
        )

    with pytest.raises(PermissionDenied):
        complete_step(imported, "positioning", user=evaluator_of_other_organisation, run=positioning)

    task = CandidatePathwayTask.objects.get(process=imported.process, status=STATUS.NEW)
    assert task.owner_id is None
    imported.refresh_from_db()
    assert imported.state == CaseFileState.POSITIONING
