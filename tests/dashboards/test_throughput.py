"""Throughput: monthly and weekly flows and the days each step takes, on files with known dates."""

from __future__ import annotations

import datetime as dt

import pytest

from accreditation.models import Certification
from accreditation.services import set_user_scope
from backoffice.core.accounts.roles import Role
from casefiles.models import AgendaItem, CaseFile, Certificate, JurySession, JurySessionStatus
from casefiles.services import open_case_file
from tests.dashboards.helpers import table
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
URL = "/tableaux-de-bord/flux/"
PERIOD = {"start": "2026-01-01", "end": "2026-06-30"}
D = dt.date


def file_with(site, actor, name, opened, positioned=None, ready=None):  # type: ignore[no-untyped-def]
    case_file = open_case_file(
        site=site,
        certification=Certification.objects.get(code="CLEA"),
        opened_on=dt.date.today(),
        candidate_data={
            "last_name": name,
            "first_name": "Test",
            "birth_date": D(1990, 1, 1),
            "status": "jobseeker",
            "postcode": "93200",
        },
        actor=actor,
    )
    CaseFile.objects.filter(pk=case_file.pk).update(
        opened_on=opened, positioned_on=positioned, ready_for_jury_on=ready
    )
    return case_file


def certify(case_file, session, awarded):  # type: ignore[no-untyped-def]
    Certificate.objects.create(
        case_file=case_file,
        number=f"CLEA-TEST-{case_file.pk}",
        certification=case_file.certification,
        region=session.region,
        session=session,
        holder_last_name="Test",
        holder_first_name="Test",
        awarded_on=awarded,
    )
    AgendaItem.objects.create(
        session=session,
        case_file=case_file,
        decision="award",
        decided_at=dt.datetime(2026, awarded.month, awarded.day, 12, tzinfo=dt.UTC),
    )


@pytest.fixture
def world(idf, idf_site, ara_site, evaluator):  # type: ignore[no-untyped-def]
    ara_staff = UserFactory(username="evaluateur.ara", role=Role.EVALUATOR_STAFF)
    set_user_scope(ara_staff, organisation=ara_site.organisation, actor=None)
    one = file_with(idf_site, evaluator, "Un", D(2026, 1, 10), D(2026, 1, 20), D(2026, 2, 19))
    two = file_with(idf_site, evaluator, "Deux", D(2026, 2, 5), D(2026, 2, 25), D(2026, 4, 26))
    file_with(idf_site, evaluator, "Trois", D(2026, 3, 1), D(2026, 3, 31))
    file_with(ara_site, ara_staff, "Quatre", D(2026, 1, 15), D(2026, 1, 16))
    march, may = (
        JurySession.objects.create(
            region=idf,
            held_on=day,
            place="Paris",
            status=JurySessionStatus.CLOSED,
            cutoff_on=day - dt.timedelta(14),
        )
        for day in (D(2026, 3, 20), D(2026, 5, 5))
    )
    certify(one, march, D(2026, 3, 21))
    certify(two, may, D(2026, 5, 6))


def test_the_monthly_flows_count_each_event_in_its_month(client_for, supervisor, world):
    rows = table(client_for(supervisor).get(URL, PERIOD), "mois")

    assert rows == [
        ["01/2026", "2", "2", "0", "0", "0", "0"],
        ["02/2026", "1", "1", "1", "0", "0", "0"],
        ["03/2026", "1", "1", "0", "1", "1", "1"],
        ["04/2026", "0", "0", "1", "0", "0", "0"],
        ["05/2026", "0", "0", "0", "1", "1", "1"],
        ["06/2026", "0", "0", "0", "0", "0", "0"],
    ]


def test_median_and_90th_percentile_days_per_step_and_end_to_end(client_for, supervisor, world):
    rows = table(client_for(supervisor).get(URL, PERIOD), "delais")

    assert rows == [
        ["accueil → évaluation préalable", "4", "15,0", "27,0"],
        ["évaluation préalable → prêt pour le jury", "2", "45,0", "57,0"],
        ["prêt pour le jury → certificat", "2", "20,0", "28,0"],
        ["de bout en bout (accueil → certificat)", "2", "80,0", "88,0"],
    ]


def test_a_regional_supervisor_sees_the_figures_of_their_region_only(client_for, idf, world):
    regional = UserFactory(username="superviseur.idf", role=Role.SUPERVISOR)
    set_user_scope(regional, regions=[idf], actor=None)

    response = client_for(regional).get(URL, PERIOD)

    assert table(response, "mois")[0] == ["01/2026", "1", "1", "0", "0", "0", "0"]
    assert table(response, "delais")[0] == ["accueil → évaluation préalable", "3", "20,0", "28,0"]


def test_the_weekly_table_shows_the_last_twelve_weeks_of_the_period(client_for, supervisor, world):
    rows = table(client_for(supervisor).get(URL, {"start": "2026-04-01", "end": "2026-05-10"}), "semaines")

    assert rows[0][0] == "semaine du 30/03/2026" and len(rows) == 6
    assert ["semaine du 04/05/2026", "0", "0", "0", "1", "1", "1"] in rows
    reversed_period = client_for(supervisor).get(URL, {"start": "2026-05-10", "end": "2026-04-01"})
    assert "La date de début doit précéder la date de fin." in reversed_period.content.decode()
    assert 'data-table="mois"' not in reversed_period.content.decode()
