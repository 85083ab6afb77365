"""The dashboard « Titulaires au SI CPF »: per region and certification, the holders to send (incomplete
identities among them), waiting for a receipt, accepted, rejected by the CDC's message, late over 3 months
with the oldest award — within the person's scope and the filters, exported as shown, in a bounded number of
queries whatever the number of lines."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accreditation.models import Certification
from accreditation.services import set_user_scope
from backoffice.core.accounts.roles import Role
from casefiles.models import Candidate, CdcStatus, Certificate
from tests.casefiles.conftest import TODAY
from tests.dashboards.helpers import table
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/tableaux-de-bord/si-cpf/"
NO_MATCH = "Aucun titulaire ne correspond aux données transmises."
QUERIES = 12  # the person, scope, menu and notifications; the filters' choices; the overview's two
LONG_AGO = TODAY - dt.timedelta(days=200)  # past the 3 months


def cpf_state(
    certificate: Certificate, status: str, *, awarded_on: dt.date = TODAY, message: str = ""
) -> None:
    Certificate.objects.filter(pk=certificate.pk).update(
        cdc_status=status, awarded_on=awarded_on, cdc_message=message
    )


@pytest.fixture
def world(issued, ara):  # type: ignore[no-untyped-def]
    """Bernard (IDF): awarded 200 days ago, rejected by the CDC (late). Moreau (moved to ARA): to send, her
    birth name missing."""
    bernard, moreau = issued
    cpf_state(bernard, CdcStatus.REJECTED, awarded_on=LONG_AGO, message=NO_MATCH)
    Certificate.objects.filter(pk=moreau.pk).update(region=ara)
    Candidate.objects.filter(case_files__certificate=moreau).update(birth_name="")
    return bernard, moreau


def rows(response, key: str = "titulaires") -> list[list[str]]:  # type: ignore[no-untyped-def]
    """The table's rows as shown (none when it says there is no data)."""
    assert response.status_code == 200
    return [row for row in table(response, key) if row != ["Aucune donnée pour ces filtres."]]


# The figures


def test_the_supervisor_sees_each_region_and_certification_and_the_total(client_for, supervisor, world):
    response = client_for(supervisor).get(URL)

    late = f"{LONG_AGO.day} "  # "3 mars 2025": the day first
    assert [row[:8] for row in rows(response)] == [
        ["Auvergne-Rhône-Alpes", "Certification CléA", "1", "1", "0", "0", "0", "0"],
        ["Île-de-France", "Certification CléA", "0", "0", "0", "0", "1", "1"],
        ["Total", "—", "1", "1", "0", "0", "1", "1"],
    ]
    assert rows(response)[1][8].startswith(late) and rows(response)[2][8].startswith(late)
    assert rows(response, "rejets") == [[NO_MATCH, "Île-de-France", "Certification CléA", "1"]]


def test_sent_and_accepted_holders_are_counted_apart_and_neither_is_late_once_accepted(
    client_for, supervisor, issued
):
    bernard, moreau = issued
    cpf_state(bernard, CdcStatus.SENT, awarded_on=LONG_AGO)
    cpf_state(moreau, CdcStatus.ACCEPTED, awarded_on=LONG_AGO)

    (line,) = rows(client_for(supervisor).get(URL))

    # Waiting for a receipt past the deadline is late; accepted is done, whatever the date.
    assert line[2:8] == ["0", "0", "1", "1", "0", "1"]


def test_the_filters_apply_region_certification_and_award_period(client_for, supervisor, world, ara):
    client = client_for(supervisor)
    clea, numeric = Certification.objects.get(code="CLEA"), Certification.objects.get(code="CLEA_NUM")
    recent = (TODAY - dt.timedelta(days=10)).isoformat()

    assert [r[0] for r in rows(client.get(URL, {"region": ara.pk}))] == ["Auvergne-Rhône-Alpes"]
    assert [r[0] for r in rows(client.get(URL, {"start": recent}))] == ["Auvergne-Rhône-Alpes"]
    assert [r[0] for r in rows(client.get(URL, {"end": recent}))] == ["Île-de-France"]
    assert len(rows(client.get(URL, {"certification": clea.pk}))) == 3
    assert rows(client.get(URL, {"certification": numeric.pk})) == []


def test_the_table_exports_exactly_its_rows(client_for, supervisor, world):
    exported = client_for(supervisor).get(URL, {"table": "titulaires", "format": "csv"})

    assert exported.status_code == 200
    lines = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig")), delimiter=";"))
    assert lines[0][:3] == ["Région", "Certification", "À transmettre"]
    assert [line[:3] for line in lines[1:]] == [
        ["Auvergne-Rhône-Alpes", "Certification CléA", "1"],
        ["Île-de-France", "Certification CléA", "0"],
        ["Total", "", "1"],
    ]


def test_the_dashboards_link_to_the_page(client_for, supervisor, world):
    page = client_for(supervisor).get(reverse("tableaux-de-bord:backlog")).content.decode()

    assert f'href="{URL}"' in page and "Titulaires au SI CPF" in page


# Scope


@pytest.fixture
def idf_supervisor(idf):  # type: ignore[no-untyped-def]
    user = UserFactory(username="superviseur.idf", role=Role.SUPERVISOR)
    set_user_scope(user, regions=[idf], actor=None)
    return user


@pytest.mark.parametrize("persona", ["officer", "idf_supervisor"])
def test_a_regional_officer_or_supervisor_sees_only_their_region(request, client_for, persona, world):
    client = client_for(request.getfixturevalue(persona))

    assert [r[0] for r in rows(client.get(URL))] == ["Île-de-France"]
    assert rows(client.get(URL), "rejets") == [[NO_MATCH, "Île-de-France", "Certification CléA", "1"]]


def test_the_officer_of_other_region_sees_only_theirs(client_for, officer_of_other_region, world):
    assert [r[0] for r in rows(client_for(officer_of_other_region).get(URL))] == ["Auvergne-Rhône-Alpes"]


def test_a_region_outside_the_scope_is_refused_not_widened(client_for, officer, world, ara):
    refused = client_for(officer).get(URL, {"region": ara.pk})

    assert refused.status_code == 200
    assert 'data-table="titulaires"' not in refused.content.decode()
    assert "Sélectionnez un choix valide" in refused.content.decode()


def test_organisation_staff_and_anonymous_people_are_kept_out(client_for, client, evaluator, world):
    assert client_for(evaluator).get(URL).status_code == 403
    response = client.get(URL)
    assert response.status_code == 302 and "login" in response["Location"]


# Queries


def test_the_page_makes_the_same_bounded_number_of_queries_whatever_the_number_of_lines(
    client_for, supervisor, issued, ara, django_assert_max_num_queries
):
    client = client_for(supervisor)
    client.get(URL)  # warm the caches of the session and the reference data
    with CaptureQueriesContext(connection) as one_line:
        client.get(URL)
    bernard, moreau = issued
    cpf_state(bernard, CdcStatus.REJECTED, message=NO_MATCH)
    Certificate.objects.filter(pk=moreau.pk).update(region=ara)

    with CaptureQueriesContext(connection) as three_lines:
        assert len(rows(client.get(URL))) == 3
    assert len(three_lines.captured_queries) == len(one_line.captured_queries)
    with django_assert_max_num_queries(QUERIES):
        client.get(URL)
