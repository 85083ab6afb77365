"""The processes' kanban: each card names the candidate (or the organisation) and the certification, says how
long the task has waited and when it is due, in a number of queries that does not grow with the cards; the
process chart reads in French."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, timezone

from accreditation.models import Certification
from tests.accreditation.test_services__instruction import ready_to_submit
from tests.workflows.test_views__task_lists import open_files

pytestmark = pytest.mark.django_db
PATHWAY = "parcours:index"
APPROVAL = "instruction:index"


def text_of(response) -> str:
    assert response.status_code == 200
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


def queries(client, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def submit(client, application) -> None:
    client.post(reverse("application_submit", kwargs={"pk": application.pk}))


def test_pathway_cards_name_the_candidate_the_certification_the_wait_and_the_due_date(
    client_for, evaluator, idf_site, clea
):
    open_files(idf_site, clea, 2)
    due = timezone.localdate() + dt.timedelta(days=15)  # the positioning is due 15 days after it started

    page = text_of(client_for(evaluator).get(reverse(PATHWAY)))

    assert "CANDIDATA Test" in page and "CANDIDATB Test" in page
    assert clea.name in page
    assert "Attend depuis moins d'un jour" in page
    assert formats.date_format(due, "j F Y") in page
    assert not re.search(r"#\d+/\d+", page), "no technical process/task numbers on the cards"


def test_pathway_dashboard_reads_the_same_queries_for_2_or_10_cards(client_for, officer, idf_site, clea):
    client = client_for(officer)
    open_files(idf_site, clea, 2)
    few = queries(client, reverse(PATHWAY))
    open_files(idf_site, clea, 8, start=2)
    assert queries(client, reverse(PATHWAY)) <= few


def test_approval_cards_name_the_organisation_and_the_certifications_it_applies_for(
    client_for, officer, evaluator
):
    application = ready_to_submit(officer, evaluator)
    submit(client_for(evaluator), application)
    application.refresh_from_db()

    page = text_of(client_for(officer).get(reverse(APPROVAL)))

    assert application.organisation.legal_name in page
    assert Certification.objects.get(code="CLEA_NUM").name in page
    assert formats.date_format(timezone.localdate(application.check_due_at), "j F Y") in page
    assert not re.search(r"#\d+/\d+", page)


def test_approval_dashboard_reads_the_same_queries_for_1_or_4_applications(client_for, officer, evaluator):
    client, staff = client_for(officer), client_for(evaluator)
    submit(staff, ready_to_submit(officer, evaluator))
    few = queries(client, reverse(APPROVAL))
    for _ in range(3):
        submit(staff, ready_to_submit(officer, evaluator))
    assert queries(client, reverse(APPROVAL)) <= few


@pytest.mark.parametrize("chart", ["parcours:chart", "instruction:chart"])
def test_the_process_chart_reads_in_french(client_for, supervisor, chart):
    svg = client_for(supervisor).get(reverse(chart)).content.decode()

    assert ">oui<" in svg and ">non<" in svg
    assert ">yes<" not in svg and ">no<" not in svg
    if chart == "parcours:chart":
        assert "Évaluation préalable" in svg  # as written, not in Title Case
        assert "Tous les domaines acquis ?" in svg  # a gateway's title is written, not only a tooltip


def test_pathway_cards_of_an_organisation_are_not_shown_to_another_or_to_another_region(
    client_for, evaluator, evaluator_of_other_organisation, officer, officer_of_other_region, idf_site, clea
):
    open_files(idf_site, clea, 2)

    assert "CANDIDATA Test" in text_of(client_for(evaluator).get(reverse(PATHWAY)))
    assert "CANDIDATA Test" in text_of(client_for(officer).get(reverse(PATHWAY)))
    for outsider in (evaluator_of_other_organisation, officer_of_other_region):
        page = text_of(client_for(outsider).get(reverse(PATHWAY)))
        assert "CANDIDATA" not in page and "CANDIDATB" not in page
