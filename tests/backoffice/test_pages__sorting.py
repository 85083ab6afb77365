"""Lists sort by the column they claim: each sortable list follows the column asked (and its reverse), and a
header claims an order only when it is the order shown."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accreditation.models import CampaignStatus, Department
from accreditation.services import (
    attach_application_document,
    move_campaign,
    save_content,
    set_user_scope,
    start_application,
)
from backoffice.core.accounts.roles import Role
from casefiles.services import open_case_file
from tests.accreditation.test_services__campaigns import draft
from tests.accreditation.test_services__instruction import content_for
from tests.backoffice.imports_helpers import candidate_row, checked, csv_bytes
from tests.backoffice.test_views__certificates import award_everyone
from tests.casefiles.conftest import (  # noqa: F401
    assessor,
    candidate_data,
    clea,
    employee_member,
    framework,
    session,
    two_ready_files,
)
from tests.factories import AccreditationFactory, OrganisationFactory, SiteFactory, UserFactory
from workflows.approval.commands import submit_and_start

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()


def order_of(page: str, names: list[str]) -> list[str]:
    """The names in the order the page shows them."""
    return sorted(names, key=lambda name: page.index(name))


def get(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return unescape(response.content.decode())


def opened(site, clea, last_name: str, days_ago: int) -> None:  # noqa: F811
    open_case_file(
        site=site,
        certification=clea,
        opened_on=TODAY - dt.timedelta(days=days_ago),
        actor=None,
        candidate_data={
            "last_name": last_name,
            "first_name": "Test",
            "birth_date": dt.date(1990, 1, 1),
            "postcode": "93000",
            "status": "jobseeker",
        },
    )


def test_case_files_sort_by_opening_date_and_its_reverse(client_for, officer, idf_site, clea):  # noqa: F811
    for name, days in (("Alpha", 10), ("Beta", 90), ("Gamma", 50)):
        opened(idf_site, clea, name, days)
    client, url = client_for(officer), reverse("candidats:dossiers:index")
    names = ["ALPHA", "BETA", "GAMMA"]

    assert order_of(get(client, url + "?_orderby=opened_on"), names) == ["BETA", "GAMMA", "ALPHA"]
    assert order_of(get(client, url + "?_orderby=-opened_on"), names) == ["ALPHA", "GAMMA", "BETA"]
    assert order_of(get(client, url + "?_orderby=candidate"), names) == ["ALPHA", "BETA", "GAMMA"]
    assert order_of(get(client, url + "?_orderby=-candidate"), names) == ["GAMMA", "BETA", "ALPHA"]


def test_a_list_header_claims_only_the_order_the_reader_chose(client_for, officer, idf_site, clea):  # noqa: F811
    """Viewflow marked the default newest-first order as chosen, and clicking it then changed nothing."""
    opened(idf_site, clea, "Alpha", 10)
    client, url = client_for(officer), reverse("candidats:dossiers:index")

    assert "table-header--sort-" not in get(client, url)
    chosen = get(client, url + "?_orderby=opened_on")
    assert re.search(r'sort-asc"[^>]*data-list-sort-column="opened_on"', chosen)


def test_organisations_sort_by_legal_name_and_its_reverse(client_for, supervisor):
    for name in ("Bravo Formation", "Alpha Conseil", "Charlie Compétences"):
        OrganisationFactory(legal_name=name)
    client, url = client_for(supervisor), reverse("annuaire:organismes:index")
    names = ["Alpha Conseil", "Bravo Formation", "Charlie Compétences"]

    assert order_of(get(client, url + "?_orderby=legal_name"), names) == names
    assert order_of(get(client, url + "?_orderby=-legal_name"), names) == names[::-1]


def test_certificates_sort_by_holder_and_number_and_their_reverse(client_for, officer, session, jury_member):  # noqa: F811
    award_everyone(session, jury_member)  # Bernard and Moreau
    client, url = client_for(officer), reverse("certificats:index")
    names = ["BERNARD", "MOREAU"]

    assert order_of(get(client, url + "?tri=holder"), names) == ["BERNARD", "MOREAU"]
    assert order_of(get(client, url + "?tri=-holder"), names) == ["MOREAU", "BERNARD"]
    by_number = order_of(get(client, url + "?tri=number"), names)
    assert order_of(get(client, url + "?tri=-number"), names) == by_number[::-1]
    assert 'aria-sort="descending"' in get(client, url + "?tri=-holder")


def test_imports_sort_by_number_and_its_reverse_newest_first_by_default(client_for, evaluator, idf_site):
    jobs = [
        checked(csv_bytes([candidate_row(idf_site.siret, f"DOS-{n}")]), actor=evaluator, name=f"lot-{n}.csv")
        for n in (1, 2, 3)
    ]
    client, url = client_for(evaluator), reverse("imports:index")
    names = [job.original_name for job in jobs]

    assert order_of(get(client, url), names) == names[::-1]
    assert order_of(get(client, url + "?tri=numero"), names) == names
    assert order_of(get(client, url + "?tri=-numero"), names) == names[::-1]
    assert order_of(get(client, url + "?tri=original_name"), names) == sorted(names)


def applicant(campaign, legal_name: str, *, submitted: bool = True):  # type: ignore[no-untyped-def]
    site = SiteFactory(
        organisation=OrganisationFactory(legal_name=legal_name), department=Department.objects.get(code="93")
    )
    AccreditationFactory(site=site)
    staff = UserFactory(role=Role.EVALUATOR_STAFF)
    set_user_scope(staff, organisation=site.organisation, actor=None)
    application = start_application(campaign, actor=staff)
    save_content(application, content=content_for(site.organisation), actor=staff)
    for category in ("kbis", "qualiopi"):
        upload = SimpleUploadedFile(f"{category}.pdf", b"%PDF-1.4 " + category.encode(), "application/pdf")
        attach_application_document(application, upload=upload, category=category, actor=staff)
    return submit_and_start(application, actor=staff)


def test_applications_sort_by_organisation_and_its_reverse_oldest_submitted_first(client_for, supervisor):
    campaign = move_campaign(draft(supervisor), CampaignStatus.OPEN, actor=supervisor)
    names = ["Bravo Formation", "Alpha Conseil", "Charlie Compétences"]
    for name in names:
        applicant(campaign, name)
    client, url = client_for(supervisor), reverse("campagnes:detail", kwargs={"pk": campaign.pk})

    assert order_of(get(client, url), names) == names  # submitted in this order
    assert order_of(get(client, url + "?tri=legal_name"), names) == sorted(names)
    assert order_of(get(client, url + "?tri=-legal_name"), names) == sorted(names, reverse=True)
    assert order_of(get(client, url + "?tri=-submitted_at"), names) == names[::-1]


def test_jury_sessions_sort_by_date_and_place_and_their_reverse(
    client_for,
    officer,
    idf,
    jury_member,
    employee_member,  # noqa: F811
):
    from casefiles.models import College
    from casefiles.services import plan_session

    for place, days in (("Salle Alpha", 30), ("Salle Beta", 90), ("Salle Gamma", 60)):
        plan_session(
            region=idf,
            held_on=TODAY + dt.timedelta(days=days),
            place=place,
            remote=False,
            members=[(jury_member, College.EMPLOYERS), (employee_member, College.EMPLOYEES)],
            president=jury_member,
            actor=officer,
        )
    client, url = client_for(officer), reverse("jurys:index")
    names = ["Salle Alpha", "Salle Beta", "Salle Gamma"]

    assert order_of(get(client, url), names) == ["Salle Beta", "Salle Gamma", "Salle Alpha"]
    assert order_of(get(client, url + "?tri=held_on"), names) == ["Salle Alpha", "Salle Gamma", "Salle Beta"]
    assert order_of(get(client, url + "?tri=place"), names) == names
    assert order_of(get(client, url + "?tri=-place"), names) == names[::-1]
