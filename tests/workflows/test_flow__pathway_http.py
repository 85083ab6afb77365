"""The candidate pathway through HTTP, as organisation staff use it in the Viewflow UI."""

from __future__ import annotations

import datetime as dt
from html import unescape

import pytest
from django.test import Client
from viewflow.workflow.status import STATUS

from accreditation.models import Domain, SubDomain
from casefiles.models import CaseFile, CaseFileState, DomainStatus
from workflows.models import CandidatePathwayTask

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()


def open_file(client: Client, site, clea) -> CaseFile:
    response = client.post(
        "/parcours/open_file/",
        {
            "site": site.pk,
            "certification": clea.pk,
            "opened_on": (TODAY - dt.timedelta(days=20)).isoformat(),
            "last_name": "Diallo",
            "first_name": "Awa",
            "birth_date": "1998-03-12",
            "sex": "F",
            "postcode": "93200",
            "status": "jobseeker",
            "sector": "Aide à la personne",
            "referrer": "france_travail",
        },
    )
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    return CaseFile.objects.get(candidate__last_name="Diallo")


def do_task(client: Client, case_file: CaseFile, node: str, data: dict) -> object:
    task = CandidatePathwayTask.objects.get(
        process=case_file.process,
        flow_task_type="HUMAN",
        status=STATUS.NEW,
        flow_task=f"workflows/pathway.flow.CandidatePathwayFlow.{node}",
    )
    base = f"/parcours/{case_file.process_id}/{node}/{task.pk}"
    assert client.post(f"{base}/assign/", {}).status_code == 302
    return client.post(f"{base}/execute/", data)


def results(case_file: CaseFile, *, missing=(), domains=None) -> dict:
    subdomains = SubDomain.objects.filter(domain__framework_version=case_file.framework_version)
    if domains:
        subdomains = subdomains.filter(domain__code__in=domains)
    return {
        f"sd_{s.code}": ("NA" if s.domain.code in missing else "A")
        for s in subdomains.select_related("domain")
    }


def open_and_position(staff: Client, site, clea, assessor, *, missing=(), days_ago: int = 3) -> CaseFile:
    """Open a file through the UI and record its positioning (the given domains not acquired)."""
    case_file = open_file(staff, site, clea)
    assessed_on = (TODAY - dt.timedelta(days=days_ago)).isoformat()
    response = do_task(
        staff,
        case_file,
        "positioning",
        {"assessed_on": assessed_on, "assessor": assessor.pk, **results(case_file, missing=missing)},
    )
    assert response.status_code == 302
    case_file.refresh_from_db()
    return case_file


@pytest.fixture
def staff(client_for, evaluator):
    return client_for(evaluator)


def test_staff_take_a_file_from_opening_through_one_training_loop_to_the_jury(
    staff, idf_site, clea, assessor, training_site, trainer_person
):
    case_file = open_file(staff, idf_site, clea)
    assert case_file.process is not None

    response = do_task(
        staff,
        case_file,
        "positioning",
        {
            "assessed_on": (TODAY - dt.timedelta(days=15)).isoformat(),
            "assessor": assessor.pk,
            **results(case_file, missing=("D1", "D2")),
        },
    )
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    case_file.refresh_from_db()
    assert case_file.state == CaseFileState.TRAINING

    d1_d2 = Domain.objects.filter(framework_version=case_file.framework_version, code__in=["D1", "D2"])
    response = do_task(
        staff,
        case_file,
        "training_plan",
        {
            "domains": [d.pk for d in d1_d2],
            "training_site": training_site.pk,
            "trainer": trainer_person.pk,
            "hours": 40,
            "starts_on": (TODAY - dt.timedelta(days=10)).isoformat(),
            "ends_on": (TODAY - dt.timedelta(days=2)).isoformat(),
        },
    )
    assert response.status_code == 302, response.context["form"].errors if response.context else response

    response = do_task(
        staff,
        case_file,
        "final_evaluation",
        {
            "assessed_on": TODAY.isoformat(),
            "assessor": assessor.pk,
            **results(case_file, domains=("D1", "D2")),
        },
    )
    assert response.status_code == 302, response.context["form"].errors if response.context else response

    case_file.refresh_from_db()
    assert case_file.state == CaseFileState.READY_FOR_JURY
    assert set(case_file.domain_grid.values_list("status", flat=True)) == {DomainStatus.ACQUIRED}
    waiting = CandidatePathwayTask.objects.get(process=case_file.process, status=STATUS.NEW)
    assert waiting.flow_task.name == "ready_for_jury"


def test_a_refused_step_shows_the_french_message_and_the_task_stays_open(staff, idf_site, clea, assessor):
    case_file = open_file(staff, idf_site, clea)
    response = do_task(
        staff,
        case_file,
        "positioning",
        {
            "assessed_on": (TODAY + dt.timedelta(days=3)).isoformat(),
            "assessor": assessor.pk,
            **results(case_file),
        },
    )
    assert response.status_code == 200
    assert "ne peut pas être dans le futur" in unescape(response.content.decode())
    case_file.refresh_from_db()
    assert case_file.state == CaseFileState.POSITIONING
    assert not case_file.assessments.exists()


def test_outsiders_get_404_on_every_page_of_the_file_and_see_nothing_in_lists(
    staff, client_for, idf_site, clea, evaluator_of_other_organisation, officer_of_other_region
):
    case_file = open_file(staff, idf_site, clea)
    task = CandidatePathwayTask.objects.get(process=case_file.process, status=STATUS.NEW)
    pages = [
        f"/parcours/{case_file.process_id}/",
        f"/parcours/{case_file.process_id}/positioning/{task.pk}/",
        f"/parcours/{case_file.process_id}/positioning/{task.pk}/detail/",
        f"/parcours/{case_file.process_id}/positioning/{task.pk}/assign/",
    ]
    for outsider in (evaluator_of_other_organisation, officer_of_other_region):
        client = client_for(outsider)
        for page in pages:
            assert client.get(page).status_code == 404, page
        assert client.post(pages[-1], {}).status_code == 404
        for listing in ("/parcours/queue/", "/parcours/tasks/", "/parcours/flows/", "/parcours/"):
            response = client.get(listing)
            # The file as lists show it (a random user name in the header may be "Diallo" too).
            assert "DIALLO Awa" not in response.content.decode(), listing
    task.refresh_from_db()
    assert task.owner_id is None


def test_officer_of_the_region_sees_the_process_but_cannot_do_the_evaluators_task(
    staff, client_for, idf_site, clea, officer
):
    case_file = open_file(staff, idf_site, clea)
    client = client_for(officer)
    assert client.get(f"/parcours/{case_file.process_id}/").status_code == 200
    task = CandidatePathwayTask.objects.get(process=case_file.process, status=STATUS.NEW)
    client.post(f"/parcours/{case_file.process_id}/positioning/{task.pk}/assign/", {})
    task.refresh_from_db()
    assert task.owner_id is None


def test_the_evaluator_queue_lists_only_their_organisations_tasks(
    staff, client_for, idf_site, clea, evaluator_of_other_organisation, django_assert_max_num_queries
):
    open_file(staff, idf_site, clea)
    assert "positioning" in staff.get(
        "/parcours/queue/"
    ).content.decode() or "Évaluation préalable" in unescape(staff.get("/parcours/queue/").content.decode())
    assert "Évaluation préalable" not in unescape(
        client_for(evaluator_of_other_organisation).get("/parcours/queue/").content.decode()
    )


def test_positioning_can_be_entered_per_criterion_with_the_mandatory_criterion_rule(
    staff, idf_site, clea, assessor
):
    from accreditation.models import Criterion

    case_file = open_file(staff, idf_site, clea)
    task = CandidatePathwayTask.objects.get(process=case_file.process, status=STATUS.NEW)
    base = f"/parcours/{case_file.process_id}/positioning/{task.pk}"
    staff.post(f"{base}/assign/", {})
    page = unescape(staff.get(f"{base}/execute/?saisie=criteres").content.decode())
    assert "D1.3.2 Identifier la nature et la fonction d'un document" in page

    criteria = Criterion.objects.filter(subdomain__domain__framework_version=case_file.framework_version)
    data = {f"sd_{c.code}": ("NA" if c.code == "D7.3.2" else "A") for c in criteria}
    response = staff.post(
        f"{base}/execute/?saisie=criteres",
        {
            "assessed_on": (TODAY - dt.timedelta(days=1)).isoformat(),
            "assessor": assessor.pk,
            **data,
        },
    )

    assert response.status_code == 302
    case_file.refresh_from_db()
    grid = dict(case_file.domain_grid.values_list("domain__code", "status"))
    assert grid["D7"] == DomainStatus.TO_TRAIN and grid["D1"] == DomainStatus.ACQUIRED
    assert case_file.state == CaseFileState.TRAINING
    assessment = case_file.assessments.get()
    assert assessment.criteria == {c.code: c.code != "D7.3.2" for c in criteria}
    assert assessment.results["D7.3"] is False and assessment.results["D1.1"] is True


def test_the_lists_show_a_file_by_its_candidate_as_the_outsider_test_expects(staff, idf_site, clea):
    open_file(staff, idf_site, clea)

    for listing in ("/parcours/queue/", "/parcours/tasks/"):
        assert "DIALLO Awa" in staff.get(listing).content.decode(), listing
