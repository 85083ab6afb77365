"""The file page and the whole-pathway actions (abandon, transfer, expiry) over HTTP."""

from __future__ import annotations

import datetime as dt
from html import unescape

import pytest
from viewflow.workflow.status import PROCESS, STATUS

from accreditation.models import Department
from casefiles.models import CaseFile, CaseFileState
from tests.factories import AccreditationFactory, SiteFactory, letters
from tests.workflows.test_flow__pathway_http import do_task, open_file, results
from workflows.models import CandidatePathwayTask
from workflows.pathway.commands import expire_pathways

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()


@pytest.fixture
def staff(client_for, evaluator):
    return client_for(evaluator)


@pytest.fixture
def opened(staff, idf_site, clea) -> CaseFile:
    return open_file(staff, idf_site, clea)


def position_with_a_gap_in_d4(staff, case_file: CaseFile, assessor) -> None:
    data = {"assessed_on": (TODAY - dt.timedelta(days=5)).isoformat(), "assessor": assessor.pk}
    assert (
        do_task(staff, case_file, "positioning", {**data, **results(case_file, missing=("D4",))}).status_code
        == 302
    )


def page_of(case_file: CaseFile) -> str:
    return f"/candidats/dossiers/{case_file.pk}/detail/"


def test_file_page_shows_candidate_grid_and_timeline(staff, opened, assessor):
    position_with_a_gap_in_d4(staff, opened, assessor)
    page = unescape(staff.get(page_of(opened)).content.decode())
    assert "DIALLO Awa" in page
    assert "D4 L'aptitude à travailler dans le cadre de règles définies" in page
    assert "À former" in page and "Acquis" in page
    assert "Évaluation préalable : 6 domaine(s) acquis sur 7" in page


def test_file_page_of_another_scope_is_not_found(
    client_for, opened, evaluator_of_other_organisation, officer_of_other_region, officer
):
    assert client_for(officer).get(page_of(opened)).status_code == 200
    for outsider in (evaluator_of_other_organisation, officer_of_other_region):
        client = client_for(outsider)
        assert client.get(page_of(opened)).status_code == 404
        assert client.post(f"/dossiers/{opened.pk}/abandonner/", {"reason": "x"}).status_code == 404
        assert "DIALLO" not in client.get("/candidats/dossiers/").content.decode()
    opened.refresh_from_db()
    assert opened.state == CaseFileState.POSITIONING


def test_file_list_runs_a_constant_number_of_queries(
    staff, idf_site, clea, evaluator, django_assert_max_num_queries
):
    from casefiles.services import open_case_file

    for index in range(6):
        open_case_file(
            site=idf_site,
            certification=clea,
            opened_on=TODAY,
            actor=evaluator,
            candidate_data={
                "last_name": f"Nom{letters(index)}",
                "first_name": "P",
                "birth_date": dt.date(1990, 1, 1),
                "postcode": "93000",
                "status": "employee",
            },
        )
    staff.get("/candidats/dossiers/")
    with django_assert_max_num_queries(12):
        assert staff.get("/candidats/dossiers/").status_code == 200


def test_abandon_from_the_file_page_cancels_the_process(staff, opened):
    response = staff.post(f"/dossiers/{opened.pk}/abandonner/", {"reason": "Le candidat a trouvé un emploi"})
    assert response.status_code == 302
    opened.refresh_from_db()
    assert opened.state == CaseFileState.ABANDONED
    assert opened.process.status == PROCESS.CANCELED
    assert not CandidatePathwayTask.objects.filter(process=opened.process, status=STATUS.NEW).exists()


def test_transfer_gives_the_file_to_the_new_organisation_and_frees_its_tasks(
    client_for, staff, officer, opened
):
    task = CandidatePathwayTask.objects.get(process=opened.process, status=STATUS.NEW)
    staff.post(f"/parcours/{opened.process_id}/positioning/{task.pk}/assign/", {})
    new_site = SiteFactory(department=Department.objects.get(code="92"))
    AccreditationFactory(site=new_site)

    response = client_for(officer).post(
        f"/dossiers/{opened.pk}/transferer/", {"to_site": new_site.pk, "reason": "Déménagement"}
    )

    assert response.status_code == 302
    opened.refresh_from_db()
    task.refresh_from_db()
    assert opened.evaluation_site == new_site
    assert task.status == STATUS.NEW and task.owner_id is None
    assert staff.get(page_of(opened)).status_code == 404


def test_expiry_closes_the_file_and_cancels_its_process(staff, opened, assessor):
    position_with_a_gap_in_d4(staff, opened, assessor)
    CaseFile.objects.filter(pk=opened.pk).update(expires_on=TODAY - dt.timedelta(days=1))

    assert expire_pathways() == 1
    assert expire_pathways() == 0

    opened.refresh_from_db()
    assert opened.state == CaseFileState.EXPIRED
    assert opened.process.status == PROCESS.CANCELED
