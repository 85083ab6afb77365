from __future__ import annotations

import datetime as dt
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casefiles.services import open_case_file
from tests.factories import letters
from workflows.pathway.commands import start_pathway

pytestmark = pytest.mark.django_db
LISTS = [
    "/parcours/queue/",
    "/parcours/inbox/",
    "/parcours/tasks/",
    "/parcours/flows/",
    "/parcours/",
    "/candidats/dossiers/",
]


def open_files(site, clea, count: int, start: int = 0) -> None:
    for index in range(start, start + count):
        case_file = open_case_file(
            site=site,
            certification=clea,
            opened_on=dt.date.today(),
            actor=None,
            candidate_data={
                "last_name": f"Candidat{letters(index)}",
                "first_name": "Test",
                "birth_date": dt.date(1990, 1, 1),
                "postcode": "93000",
                "status": "jobseeker",
            },
        )
        start_pathway(case_file)


def queries(client, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize("persona", ["evaluator", "officer"])
def test_task_lists_run_the_same_queries_for_2_or_12_files(request, client_for, idf_site, clea, persona, url):
    client = client_for(request.getfixturevalue(persona))
    open_files(idf_site, clea, 2)
    few = queries(client, url)
    open_files(idf_site, clea, 10, start=2)
    assert queries(client, url) <= few, url


def test_queue_lists_candidates_oldest_first_with_their_region(client_for, evaluator, idf_site, clea):
    open_files(idf_site, clea, 3)
    page = unescape(client_for(evaluator).get("/parcours/queue/").content.decode())
    assert page.index(f"CANDIDAT{letters(0).upper()}") < page.index(f"CANDIDAT{letters(2).upper()}")
    assert "Île-de-France" in page and "Jours d'attente" in page


def test_officer_filters_the_task_list_by_organisation_among_their_regions_only(
    client_for, officer, idf_site, ara_site, clea
):
    from accreditation.models import Department
    from tests.factories import AccreditationFactory, SiteFactory

    other_idf = SiteFactory(department=Department.objects.get(code="92"))
    AccreditationFactory(site=other_idf)
    open_files(idf_site, clea, 2)
    open_files(other_idf, clea, 1, start=5)
    client = client_for(officer)

    page = unescape(client.get(f"/parcours/tasks/?organisation={other_idf.organisation_id}").content.decode())

    assert f"CANDIDAT{letters(5).upper()}" in page and f"CANDIDAT{letters(0).upper()}" not in page
    choices = unescape(client.get("/parcours/tasks/").content.decode())
    assert other_idf.organisation.legal_name in choices
    assert ara_site.organisation.legal_name not in choices


def test_the_paged_lists_of_frameworks_and_applications_are_ordered(client_for, supervisor, recwarn):
    """An unordered page list would show a row twice or never across pages (Django warns)."""
    for url in ("/referentiels/versions/", "/instruction/"):
        assert client_for(supervisor).get(url).status_code == 200
    unordered = [w for w in recwarn if "UnorderedObjectListWarning" in type(w.message).__name__]
    assert unordered == []


def test_the_bulk_assign_and_unassign_pages_show_their_own_heading_and_the_selected_tasks(
    client_for, supervisor, idf_site
):
    from viewflow.workflow.status import STATUS

    from tests.dashboards.helpers import open_tasks

    free, held = open_tasks(idf_site, [(2, None, STATUS.NEW), (2, supervisor, STATUS.ASSIGNED)], name="Bulk")
    client = client_for(supervisor)

    # The list's selection is posted without `_confirm`: the page asks to confirm.
    assign = client.post("/parcours/queue/assign/", {"pk": [free.pk]}).content.decode()
    unassign = client.post("/parcours/inbox/unassign/", {"pk": [held.pk]}).content.decode()

    assert f"#{free.process_id}/{free.pk}" in assign and 'href="/parcours/queue/"' in assign
    assert f"#{held.process_id}/{held.pk}" in unassign and 'href="/parcours/inbox/"' in unassign
    assert "data-history-back" in assign and "data-history-back" in unassign and "onclick" not in unassign
