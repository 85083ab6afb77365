"""Doors an outsider might try: a foreign task under its own process, bulk actions, documents, cancel."""

from __future__ import annotations

import datetime as dt
import json
import re
from html import unescape

import pytest
from viewflow.workflow.status import PROCESS, STATUS

from accreditation.models import Department
from accreditation.services import set_user_scope
from backoffice.core.accounts.roles import Role
from tests.factories import AccreditationFactory, SiteFactory, UserFactory
from tests.workflows.test_flow__pathway_http import open_and_position, open_file
from workflows.models import CandidatePathwayTask

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()


@pytest.fixture
def other_staff_and_file(client_for, clea):
    site = SiteFactory(department=Department.objects.get(code="92"))
    AccreditationFactory(site=site)
    staff = UserFactory(username="other.staff", role=Role.EVALUATOR_STAFF)
    set_user_scope(staff, organisation=site.organisation, actor=None)
    client = client_for(staff)
    from casefiles.models import CaseFile

    response = client.post(
        "/parcours/open_file/",
        {
            "site": site.pk,
            "certification": clea.pk,
            "opened_on": TODAY.isoformat(),
            "last_name": "Autre",
            "first_name": "Personne",
            "birth_date": "1990-01-01",
            "postcode": "92000",
            "status": "employee",
        },
    )
    assert response.status_code == 302
    return client, CaseFile.objects.get(candidate__last_name="Autre")


def test_a_foreign_task_under_ones_own_process_is_not_found(
    client_for, evaluator, idf_site, clea, other_staff_and_file
):
    _, foreign = other_staff_and_file
    mine = open_file(client_for(evaluator), idf_site, clea)
    foreign_task = CandidatePathwayTask.objects.get(process=foreign.process, status=STATUS.NEW)
    client = client_for(evaluator)
    for action in ("assign", "detail", "execute", "unassign"):
        url = f"/parcours/{mine.process_id}/positioning/{foreign_task.pk}/{action}/"
        assert client.get(url).status_code == 404, action
        assert client.post(url, {}).status_code == 404, action
    foreign_task.refresh_from_db()
    assert foreign_task.owner_id is None


def test_bulk_assign_ignores_tasks_outside_scope(client_for, evaluator, other_staff_and_file):
    _, foreign = other_staff_and_file
    foreign_task = CandidatePathwayTask.objects.get(process=foreign.process, status=STATUS.NEW)
    client_for(evaluator).post("/parcours/queue/assign/", {"pk": [foreign_task.pk], "_confirm": "1"})
    foreign_task.refresh_from_db()
    assert foreign_task.owner_id is None


def test_jury_member_of_the_region_cannot_read_the_statement(
    client_for, evaluator, jury_member, idf_site, clea, assessor
):
    case_file = open_and_position(client_for(evaluator), idf_site, clea, assessor)
    assert (
        client_for(jury_member).get(f"/dossiers/{case_file.pk}/attestation-des-acquis.pdf").status_code == 404
    )


def test_a_bare_process_cancel_sends_to_the_abandon_with_reason(
    client_for, evaluator, supervisor, idf_site, clea
):
    case_file = open_file(client_for(evaluator), idf_site, clea)
    response = client_for(supervisor).post(
        f"/parcours/{case_file.process_id}/cancel/", {"_cancel_process": "1"}
    )
    assert response.status_code == 302
    assert response.url == f"/candidats/dossiers/{case_file.pk}/detail/"
    case_file.process.refresh_from_db()
    assert case_file.process.status != PROCESS.CANCELED


def test_the_same_person_cannot_get_a_second_open_file_from_the_form(client_for, evaluator, idf_site, clea):
    from casefiles.models import Candidate, CaseFile

    client = client_for(evaluator)
    open_file(client, idf_site, clea)
    response = client.post(
        "/parcours/open_file/",
        {
            "site": idf_site.pk,
            "certification": clea.pk,
            "opened_on": TODAY.isoformat(),
            "last_name": "DIALLO",
            "first_name": "awa",
            "birth_date": "1998-03-12",
            "postcode": "93200",
            "status": "jobseeker",
        },
    )
    assert response.status_code == 200
    assert "a déjà un dossier ouvert" in unescape(response.content.decode())
    assert Candidate.objects.filter(last_name__iexact="Diallo").count() == 1
    assert CaseFile.objects.count() == 1


def test_plan_trainers_are_limited_to_the_organisation_and_accredited_trainers_of_the_region(
    client_for, evaluator, idf_site, clea, assessor, training_site, trainer_person
):
    far = SiteFactory(department=Department.objects.get(code="69"))
    AccreditationFactory(site=far, role="trainer")
    far_trainer = UserFactory(
        username="far.trainer", first_name="Loin", last_name="Delyon", role=Role.TRAINER_STAFF
    )
    set_user_scope(far_trainer, organisation=far.organisation, actor=None)
    staff = client_for(evaluator)
    case_file = open_and_position(staff, idf_site, clea, assessor, missing=("D1",))
    task = CandidatePathwayTask.objects.get(process=case_file.process, status=STATUS.NEW)
    base = f"/parcours/{case_file.process_id}/training_plan/{task.pk}"
    staff.post(f"{base}/assign/", {})
    page = staff.get(f"{base}/execute/").content.decode()
    trainers = select_labels(page, "trainer")
    assert trainer_person.get_full_name() in trainers
    assert "Loin Delyon" not in trainers
    assert trainers  # the evaluator's own organisation is listed too


def select_labels(page: str, name: str) -> list[str]:
    """The labels a person can choose in the Material select named `name` (its options are JSON in an
    attribute, so a name with an accent is escaped there: read them, never search the raw page)."""
    found = re.search(rf'<vf-field-select [^>]*name="{name}"[^>]*optgroups="([^"]*)"', page)
    assert found, f"no select named {name}"
    groups = json.loads(unescape(found.group(1)))
    return [group["options"]["label"] for group in groups if group["options"]["value"]]
