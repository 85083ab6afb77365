"""The backlog page's accreditation part: the approval's open tasks by step, region, certification,
organisation and person, by age and past their deadline — three applications with known answers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from viewflow.workflow.status import STATUS

from accreditation.models import Certification, Department
from accreditation.services import attach_application_document, move_campaign, save_content, start_application
from accreditation.services.scopes import set_user_scope
from backoffice.core.accounts.roles import Role
from fixtures.demo import make_siret
from tests.accreditation.test_services__campaigns import draft
from tests.dashboards.helpers import table
from tests.factories import OrganisationFactory, SiteFactory, UserFactory
from workflows.approval.commands import submit_and_start
from workflows.flows import AccreditationApprovalFlow
from workflows.models import AccreditationApprovalTask

pytestmark = pytest.mark.django_db
URL = "/tableaux-de-bord/stocks/"
FLOW = AccreditationApprovalFlow


def site(postcode: str, certifications: list[str], number: int, siren: str) -> dict:
    return {
        "siret": make_siret(siren, number),
        "name": f"Établissement {postcode}",
        "address": "1 rue de la Gare",
        "postcode": postcode,
        "city": "Ville",
        "departments": [postcode[:2]],
        "scopes": [{"certification": code, "role": "evaluator", "role_label": "Évaluateur"} for code in certs]
        if (certs := certifications)
        else [],
    }


def application(campaign, name: str, sites: list[tuple[str, list[str]]]):  # type: ignore[no-untyped-def]
    """A submitted application of a new organisation, its approval process started."""
    organisation = OrganisationFactory(legal_name=name)
    SiteFactory(organisation=organisation, department=Department.objects.get(code="75"))
    staff = UserFactory(username=f"staff.{name.lower()}", role=Role.EVALUATOR_STAFF)
    set_user_scope(staff, organisation=organisation, actor=None)
    draft_application = start_application(campaign, actor=staff)
    content = {
        "identity": {"legal_name": name, "nda": ""},
        "sites": [site(pc, certs, i + 1, organisation.siren) for i, (pc, certs) in enumerate(sites)],
        "qualiopi": {"number": "QUA-1", "expires_on": (dt.date.today() + dt.timedelta(days=400)).isoformat()},
        "people": [
            {"kind": "assessor", "last_name": "Durand", "first_name": "Claire", "qualifications": "x"}
        ],
        "methods": "Mises en situation professionnelles.",
        "commitment": {"signatory": "Claire Durand", "signed_at": dt.date.today().isoformat()},
    }
    save_content(draft_application, content=content, actor=staff)
    for category in ("kbis", "qualiopi"):
        upload = SimpleUploadedFile(f"{category}.pdf", b"%PDF-1.4 " + category.encode(), "application/pdf")
        attach_application_document(draft_application, upload=upload, category=category, actor=staff)
    return submit_and_start(draft_application, actor=staff)


def waiting_at(app, step, *, age: int, owner=None, answer_by: dt.date | None = None) -> None:  # type: ignore[no-untyped-def]
    """Put the application's open task at `step`, created `age` days ago (the dashboard reads tasks only)."""
    AccreditationApprovalTask.objects.filter(process_id=app.process_id, status__in=[STATUS.NEW]).update(
        flow_task=step,
        created=timezone.now() - dt.timedelta(days=age, hours=1),
        owner=owner,
        status=STATUS.ASSIGNED if owner else STATUS.NEW,
    )
    if answer_by:
        type(app).objects.filter(pk=app.pk).update(answer_by=answer_by)


@pytest.fixture
def world(officer):  # type: ignore[no-untyped-def]
    campaign = move_campaign(
        draft(officer, certifications=Certification.objects.filter(code__in=["CLEA", "CLEA_NUM"])),
        "open",
        actor=officer,
    )
    alpha = application(campaign, "Alpha", [("93200", ["CLEA_NUM"])])
    beta = application(campaign, "Beta", [("93200", ["CLEA"]), ("69001", ["CLEA_NUM"])])
    gamma = application(campaign, "Gamma", [("69001", ["CLEA"])])
    waiting_at(alpha, FLOW.completeness_check, age=3)  # young, not late (10 days)
    waiting_at(beta, FLOW.review, age=40, owner=officer)  # past the review's 30 days
    yesterday = dt.date.today() - dt.timedelta(days=1)
    waiting_at(gamma, FLOW.awaiting_information, age=10, answer_by=yesterday)  # answer overdue
    return alpha, beta, gamma


def test_a_national_supervisor_sees_the_approval_backlog_by_step_age_and_deadline(
    client_for, supervisor, world
):
    response = client_for(supervisor).get(URL)

    assert response.status_code == 200
    # open, < 7, 7–30, 30–90, > 90, late
    assert table(response, "instruction-etapes") == [
        ["Vérification de complétude", "1", "1", "0", "0", "0", "0"],
        ["Complément attendu de l&#x27;organisme", "1", "0", "1", "0", "0", "1"],
        ["Instruction sur la grille", "1", "0", "0", "1", "0", "1"],
    ]
    # Beta has establishments in both regions: it counts in each.
    assert sorted(table(response, "instruction-par-region")) == [
        ["Auvergne-Rhône-Alpes", "2", "0", "1", "1", "0", "2"],
        ["Île-de-France", "2", "1", "0", "1", "0", "1"],
    ]
    assert sorted(table(response, "instruction-par-certification")) == [
        ["Certification CléA", "2", "0", "1", "1", "0", "2"],
        ["CléA Numérique", "2", "1", "0", "1", "0", "1"],
    ]
    assert sorted(table(response, "instruction-par-organisation")) == [
        ["Alpha", "1", "1", "0", "0", "0", "0"],
        ["Beta", "1", "0", "0", "1", "0", "1"],
        ["Gamma", "1", "0", "1", "0", "0", "1"],
    ]
    assert table(response, "instruction-par-owner") == [
        ["(non assignée)", "2", "1", "1", "0", "0", "1"],
        ["officer.idf", "1", "0", "0", "1", "0", "1"],
    ]


def test_the_escalated_steps_are_late_and_the_step_links_to_its_task_list(client_for, supervisor, world):
    alpha, _, _ = world
    waiting_at(alpha, FLOW.completeness_check_escalated, age=3)

    response = client_for(supervisor).get(URL)

    assert table(response, "instruction-etapes")[0] == [
        "Vérification de complétude (en retard)",
        "1",
        "1",
        "0",
        "0",
        "0",
        "1",
    ]
    link = "/instruction/tasks/?flow_task=workflows%2Fapproval.flow.AccreditationApprovalFlow"
    link += ".completeness_check_escalated"
    assert f'href="{link}"' in response.content.decode()
    listed = client_for(supervisor).get(link)
    assert listed.status_code == 200
    assert "1–1 sur 1" in listed.content.decode()  # Alpha's task alone, named in French
    assert "Alpha" in listed.content.decode()
    assert "Vérification de complétude (en retard)" in listed.content.decode()


def test_the_region_and_certification_filters_keep_the_applications_that_concern_them(
    client_for, supervisor, world, idf
):
    clea = Certification.objects.get(code="CLEA")

    response = client_for(supervisor).get(URL, {"region": idf.pk, "certification": clea.pk})

    # Only Beta has an establishment in Île-de-France asking for CléA.
    assert table(response, "instruction-par-organisation") == [["Beta", "1", "0", "0", "1", "0", "1"]]
    assert table(response, "instruction-par-region") == [["Île-de-France", "1", "0", "0", "1", "0", "1"]]
    assert table(response, "instruction-par-certification") == [
        ["Certification CléA", "1", "0", "0", "1", "0", "1"]
    ]


def test_a_regional_officer_sees_the_applications_with_an_establishment_in_their_region(
    client_for, officer, world
):
    response = client_for(officer).get(URL)  # Île-de-France

    assert sorted(table(response, "instruction-par-organisation")) == [
        ["Alpha", "1", "1", "0", "0", "0", "0"],
        ["Beta", "1", "0", "0", "1", "0", "1"],
    ]
    assert table(response, "instruction-par-region") == [["Île-de-France", "2", "1", "0", "1", "0", "1"]]


def test_organisation_staff_see_no_dashboard(client_for, evaluator, world):
    assert client_for(evaluator).get(URL).status_code == 403


def test_the_export_is_exactly_the_table(client_for, supervisor, world):
    shown = table(client_for(supervisor).get(URL), "instruction-par-organisation")

    export = client_for(supervisor).get(URL, {"table": "instruction-par-organisation", "format": "csv"})

    lines = export.content.decode("utf-8-sig").strip().splitlines()
    assert lines[0].split(";")[0] == "organisme"
    assert sorted(line.split(";") for line in lines[1:]) == sorted(shown)


def test_the_number_of_queries_does_not_grow_with_the_applications(client_for, supervisor, world, officer):
    client = client_for(supervisor)
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    campaign = world[0].campaign
    for name in ("Delta", "Epsilon"):
        waiting_at(application(campaign, name, [("13001", ["CLEA"])]), FLOW.review, age=5, owner=officer)

    with CaptureQueriesContext(connection) as more:
        client.get(URL)

    assert len(more) == len(few)


def test_the_approval_task_list_names_each_application_in_a_constant_number_of_queries(
    client_for, supervisor, world, officer
):
    client = client_for(supervisor)
    client.get("/instruction/tasks/")
    with CaptureQueriesContext(connection) as few:
        page = client.get("/instruction/tasks/").content.decode()
    assert all(name in page for name in ("Alpha", "Beta", "Gamma"))
    campaign = world[0].campaign
    for name in ("Delta", "Epsilon"):
        waiting_at(application(campaign, name, [("13001", ["CLEA"])]), FLOW.review, age=5, owner=officer)

    with CaptureQueriesContext(connection) as more:
        page = client.get("/instruction/tasks/").content.decode()

    assert "Epsilon" in page and "Jours d&#x27;attente" in page
    assert len(more) == len(few)
