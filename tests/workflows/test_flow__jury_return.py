"""Return from the jury: the waiting jury step ends, the evaluator's task shows the reason and moves the
file back to the jury, or through another training loop."""

from __future__ import annotations

import datetime as dt
from html import unescape

import pytest
from django.core.exceptions import ValidationError
from viewflow.workflow.status import PROCESS, STATUS

from accreditation.models import Domain
from casefiles.models import CaseFileState, DomainStatus
from tests.workflows.test_flow__pathway_http import do_task, open_and_position, results
from workflows.models import CandidatePathwayTask
from workflows.pathway.commands import return_from_jury

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()
REASON = "Les preuves du domaine D3 sont insuffisantes"


@pytest.fixture
def staff(client_for, evaluator):
    return client_for(evaluator)


@pytest.fixture
def returned(staff, idf_site, clea, assessor, jury_member):
    case_file = open_and_position(staff, idf_site, clea, assessor, days_ago=10)
    assert case_file.state == CaseFileState.READY_FOR_JURY
    return return_from_jury(case_file, reason=REASON, actor=jury_member)


def waiting(case_file) -> list[str]:
    tasks = CandidatePathwayTask.objects.filter(
        process=case_file.process, status__in=[STATUS.NEW, STATUS.ASSIGNED, STATUS.SCHEDULED]
    )
    return sorted(t.flow_task.name for t in tasks)


def test_a_returned_file_opens_the_evaluators_task_with_the_jurys_reason(staff, returned):
    # No 5-year timer while the jury has the file: its domains were all acquired within the window.
    assert waiting(returned) == ["jury_return"]
    jury_step = CandidatePathwayTask.objects.get(process=returned.process, flow_task_type="FUNCTION")
    assert jury_step.flow_task.name == "ready_for_jury" and jury_step.status == STATUS.DONE

    task = CandidatePathwayTask.objects.get(
        process=returned.process, status=STATUS.NEW, flow_task_type="HUMAN"
    )
    base = f"/parcours/{returned.process_id}/jury_return/{task.pk}"
    staff.post(f"{base}/assign/", {})
    page = unescape(staff.get(f"{base}/execute/").content.decode())
    assert REASON in page


def test_the_evaluator_completes_the_file_and_it_waits_for_the_jury_again(staff, returned):
    response = do_task(staff, returned, "jury_return", {"response": "Grille D3 signée ajoutée"})

    assert response.status_code == 302
    returned.refresh_from_db()
    assert returned.state == CaseFileState.READY_FOR_JURY
    assert "ready_for_jury" in waiting(returned)
    returned.process.refresh_from_db()
    assert returned.process.status == PROCESS.NEW


def test_a_reopened_domain_goes_through_a_training_loop_back_to_the_jury(
    staff, returned, assessor, training_site, trainer_person
):
    d3 = Domain.objects.get(framework_version=returned.framework_version, code="D3")
    do_task(staff, returned, "jury_return", {"response": "Réévaluation du D3", "reopened_domains": [d3.pk]})
    returned.refresh_from_db()
    assert returned.state == CaseFileState.TRAINING
    assert "training_plan" in waiting(returned)

    do_task(
        staff,
        returned,
        "training_plan",
        {
            "domains": [d3.pk],
            "training_site": training_site.pk,
            "trainer": trainer_person.pk,
            "hours": 14,
            "starts_on": TODAY.isoformat(),
            "ends_on": TODAY.isoformat(),
        },
    )
    response = do_task(
        staff,
        returned,
        "final_evaluation",
        {"assessed_on": TODAY.isoformat(), "assessor": assessor.pk, **results(returned, domains=("D3",))},
    )

    assert response.status_code == 302
    returned.refresh_from_db()
    assert returned.state == CaseFileState.READY_FOR_JURY
    assert set(returned.domain_grid.values_list("status", flat=True)) == {DomainStatus.ACQUIRED}
    assert "ready_for_jury" in waiting(returned)


def test_an_empty_answer_shows_the_french_message_and_the_task_stays_open(staff, returned):
    response = do_task(staff, returned, "jury_return", {"response": "  "})

    assert response.status_code == 200
    returned.refresh_from_db()
    assert returned.state == CaseFileState.RETURNED
    assert "jury_return" in waiting(returned)


def test_a_file_not_waiting_for_the_jury_cannot_be_returned(staff, idf_site, clea, assessor, jury_member):
    case_file = open_and_position(staff, idf_site, clea, assessor, missing=("D2",))
    with pytest.raises(ValidationError, match="n'attend pas de décision du jury"):
        return_from_jury(case_file, reason=REASON, actor=jury_member)
    case_file.refresh_from_db()
    assert case_file.state == CaseFileState.TRAINING


def test_outsiders_get_404_on_the_return_task(
    client_for, returned, evaluator_of_other_organisation, officer_of_other_region
):
    task = CandidatePathwayTask.objects.get(
        process=returned.process, status=STATUS.NEW, flow_task_type="HUMAN"
    )
    base = f"/parcours/{returned.process_id}/jury_return/{task.pk}"
    for outsider in (evaluator_of_other_organisation, officer_of_other_region):
        client = client_for(outsider)
        assert client.get(f"{base}/").status_code == 404
        assert client.post(f"{base}/assign/", {}).status_code == 404
        assert REASON not in unescape(client.get("/parcours/queue/").content.decode())
    task.refresh_from_db()
    assert task.owner_id is None


def test_the_answer_to_the_jury_cannot_be_undone_and_nothing_changes(client_for, staff, returned, supervisor):
    do_task(staff, returned, "jury_return", {"response": "Grille D3 signée ajoutée"})
    client = client_for(supervisor)
    base = f"/parcours/{returned.process_id}"
    gate = CandidatePathwayTask.objects.filter(
        process=returned.process,
        status=STATUS.DONE,
        flow_task="workflows/pathway.flow.CandidatePathwayFlow.all_domains_acquired",
    ).latest("pk")
    jury_step = CandidatePathwayTask.objects.get(
        process=returned.process, flow_task_type="FUNCTION", status=STATUS.NEW
    )
    jury_step.flow_task.activation_class(jury_step).cancel()
    assert client.post(f"{base}/{gate.flow_task.name}/{gate.pk}/undo/", {}).status_code == 302
    answered = CandidatePathwayTask.objects.get(
        process=returned.process,
        status=STATUS.DONE,
        flow_task="workflows/pathway.flow.CandidatePathwayFlow.jury_return",
    )

    response = client.post(f"{base}/jury_return/{answered.pk}/undo/", {}, follow=True)

    assert "Cette étape ne peut pas être annulée." in unescape(response.content.decode())
    answered.refresh_from_db()
    assert answered.status == STATUS.DONE
    returned.refresh_from_db()
    assert returned.state == CaseFileState.READY_FOR_JURY


def test_the_jury_step_cannot_be_undone_by_hand(client_for, returned, supervisor):
    client = client_for(supervisor)
    base = f"/parcours/{returned.process_id}"
    answer = CandidatePathwayTask.objects.get(
        process=returned.process, status=STATUS.NEW, flow_task_type="HUMAN"
    )
    assert client.post(f"{base}/jury_return/{answer.pk}/cancel/", {}).status_code == 302
    gate = CandidatePathwayTask.objects.get(
        process=returned.process, flow_task="workflows/pathway.flow.CandidatePathwayFlow.jury_outcome"
    )
    assert client.post(f"{base}/jury_outcome/{gate.pk}/undo/", {}).status_code == 302
    jury_step = CandidatePathwayTask.objects.get(
        process=returned.process, flow_task="workflows/pathway.flow.CandidatePathwayFlow.ready_for_jury"
    )

    response = client.post(f"{base}/ready_for_jury/{jury_step.pk}/undo/", {}, follow=True)

    assert "la décision appartient au jury" in unescape(response.content.decode())
    jury_step.refresh_from_db()
    assert jury_step.status == STATUS.DONE
    # The evaluator's step is revived in line with the file, which is still returned.
    assert client.post(f"{base}/jury_return/{answer.pk}/revive/", {}).status_code == 302
    assert "jury_return" in waiting(returned)
