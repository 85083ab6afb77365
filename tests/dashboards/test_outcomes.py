"""The outcomes page: participants, certified, rate, straight after the preliminary assessment, ages, sexes,
statuses, fundings, sectors and regions — checked figure by figure against ten files of known answers, within
each person's scope and period, exported as shown, in a constant number of queries."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from accreditation.models import Certification, FrameworkVersion
from accreditation.services import set_user_scope
from backoffice.core.accounts.roles import Role
from backoffice.dashboards.facts import refresh_facts
from backoffice.dashboards.filters import read_filters
from backoffice.dashboards.outcomes import outcome_tables
from backoffice.dashboards.tables import Table
from casefiles.models import (
    Candidate,
    CaseFile,
    CaseFileState,
    Certificate,
    CertificateStatus,
    JurySession,
    JurySessionStatus,
    TrainingPlan,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
URL = "/tableaux-de-bord/resultats/"
OPENED = dt.date(2024, 3, 15)

# name, region, birth date, sex, status, sector, outcome, opened on (default OPENED).
# Outcomes: "direct" certified without training plan, "trained" certified after a plan, "revoked" certificate
# revoked after a plan, "plan" still in training, "open" positioning to do, "refused" by the jury.
FILES: list[tuple[Any, ...]] = [
    ("Arnaud", "idf", dt.date(2000, 3, 16), "F", "jobseeker", "Petite enfance", "direct", None),  # 23
    ("Bernard", "idf", dt.date(1999, 3, 15), "F", "jobseeker", "Petite enfance", "trained", None),  # 25
    ("Chevalier", "idf", dt.date(1999, 3, 16), "M", "jobseeker", "Commerce", "open", None),  # 24
    ("Dubois", "idf", dt.date(1994, 3, 16), "M", "employee", "Santé", "trained", None),  # 29
    ("Etienne", "idf", dt.date(1994, 3, 15), "F", "jobseeker", "", "direct", None),  # 30
    ("Fabre", "idf", dt.date(1979, 3, 16), "", "other", "Petite enfance", "refused", None),  # 44
    (
        "Garnier",
        "idf",
        dt.date(1979, 3, 15),
        "F",
        "jobseeker",
        "Santé",
        "revoked",
        dt.date(2024, 6, 10),
    ),  # 45
    ("Henry", "ara", dt.date(2002, 1, 1), "M", "jobseeker", "Commerce", "direct", None),  # 22
    ("Imbert", "ara", dt.date(1970, 6, 30), "F", "employee", "Accueil", "plan", None),  # 53
    (
        "Jacob",
        "ara",
        dt.date(1990, 12, 31),
        "F",
        "jobseeker",
        "Petite enfance",
        "trained",
        dt.date(2023, 12, 1),
    ),  # 32
]


def make_file(site, trainer, session, *, name, born, sex, status, sector, outcome, opened_on) -> CaseFile:  # type: ignore[no-untyped-def]
    """A file of known answers, written straight to the tables (the pathway has its own tests)."""
    clea = Certification.objects.get(code="CLEA")
    candidate = Candidate.objects.create(
        last_name=name,
        first_name="Test",
        birth_date=born,
        sex=sex,
        status=status,
        sector=sector,
        postcode="75001",
    )
    states = {"open": CaseFileState.POSITIONING, "plan": CaseFileState.FINAL_EVALUATION}
    states |= {"refused": CaseFileState.REFUSED}
    case_file = CaseFile.objects.create(
        candidate=candidate,
        certification=clea,
        framework_version=FrameworkVersion.objects.get(certification=clea, status="published"),
        evaluation_site=site,
        opened_on=opened_on,
        positioned_on=opened_on,
        state=states.get(outcome, CaseFileState.CERTIFIED),
    )
    if outcome in ("trained", "revoked", "plan"):
        TrainingPlan.objects.create(
            case_file=case_file,
            number=1,
            training_site=site,
            trainer=trainer,
            hours=40,
            starts_on=opened_on + dt.timedelta(days=10),
            ends_on=opened_on + dt.timedelta(days=60),
        )
    if outcome in ("direct", "trained", "revoked"):
        Certificate.objects.create(
            case_file=case_file,
            number=f"CLEA-2024-{site.region.code}-{case_file.pk:06d}",
            certification=clea,
            region=site.region,
            session=session[site.region.code],
            holder_last_name=name,
            holder_first_name="Test",
            awarded_on=opened_on + dt.timedelta(days=90),
            status=CertificateStatus.REVOKED if outcome == "revoked" else CertificateStatus.ISSUED,
        )
    return case_file


def sessions(*regions) -> dict[str, JurySession]:  # type: ignore[no-untyped-def]
    held_on = dt.date(2024, 9, 1)
    return {
        region.code: JurySession.objects.create(
            region=region, held_on=held_on, cutoff_on=held_on, status=JurySessionStatus.CLOSED
        )
        for region in regions
    }


@pytest.fixture
def trainer_person(db):  # type: ignore[no-untyped-def]
    return UserFactory(username="formatrice", role=Role.TRAINER_STAFF)


@pytest.fixture
def world(idf, ara, idf_site, ara_site, trainer_person):  # type: ignore[no-untyped-def]
    sites, juries = {"idf": idf_site, "ara": ara_site}, sessions(idf, ara)
    for name, region, born, sex, status, sector, outcome, opened_on in FILES:
        make_file(
            sites[region],
            trainer_person,
            juries,
            name=name,
            born=born,
            sex=sex,
            status=status,
            sector=sector,
            outcome=outcome,
            opened_on=opened_on or OPENED,
        )
    refresh_facts()  # as the scheduler does every hour
    return trainer_person, juries


@pytest.fixture
def idf_supervisor(idf):  # type: ignore[no-untyped-def]
    user = UserFactory(username="superviseur.idf", role=Role.SUPERVISOR)
    set_user_scope(user, regions=[idf], actor=None)
    return user


def tables(user, **params: Any) -> dict[str, Table]:  # type: ignore[no-untyped-def]
    query = QueryDict(mutable=True)
    query.update({key: str(value) for key, value in params.items()})
    form, filters = read_filters(user, query)
    assert filters is not None, form.errors
    return {table.key: table for table in outcome_tables(user, filters)}


def synthesis(user, **params: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return dict(tables(user, **params)["synthese"].rows)


def test_the_synthesis_quotes_the_figures_of_a_report(supervisor, world):
    assert tables(supervisor)["synthese"].rows == [
        ["participants", 10],
        ["certifiés", 6],  # Garnier's certificate was revoked
        ["taux de certification (%)", 60.0],
        ["certifiés directement après l'évaluation préalable", 3],  # Arnaud, Etienne, Henry
        ["certifiés directement après l'évaluation préalable (% des certifiés)", 50.0],
        ["demandeurs d'emploi (%)", 70.0],
        ["salariés (%)", 20.0],
        ["moins de 25 ans (%)", 30.0],
        ["moins de 30 ans (%)", 50.0],
    ]


def test_ages_are_whole_years_at_opening_with_birthdays_on_the_day_counted(supervisor, world):
    ages = tables(supervisor)["ages"]

    assert ages.headers == ["tranche d'âge", "participants", "certifiés", "part des participants (%)"]
    assert ages.rows == [
        ["moins de 25 ans", 3, 2, 30.0],  # Arnaud 23, Chevalier 24 (birthday tomorrow), Henry 22
        ["25 à 29 ans", 2, 2, 20.0],  # Bernard 25 (birthday that day), Dubois 29
        ["30 à 44 ans", 3, 2, 30.0],  # Etienne 30, Fabre 44, Jacob 32
        ["45 ans et plus", 2, 0, 20.0],  # Garnier 45, Imbert 53
    ]
    assert ages.chart == {"type": "bar", "columns": [1, 2]}


def test_sexes_and_statuses_count_the_unrecorded_too(supervisor, world):
    shown = tables(supervisor)

    assert shown["sexe"].rows == [
        ["Femme", 6, 4, 60.0],
        ["Homme", 3, 2, 30.0],
        ["non renseigné", 1, 0, 10.0],
    ]
    assert shown["statut"].rows == [
        ["Demandeur·se d'emploi", 7, 5, 70.0],
        ["Salarié·e", 2, 1, 20.0],
        ["Autre", 1, 0, 10.0],
    ]
    assert shown["sexe"].chart == shown["statut"].chart == {"type": "doughnut", "columns": [1]}


def test_sectors_are_ranked_by_participants_and_an_empty_one_is_named(supervisor, world):
    assert tables(supervisor)["secteurs"].rows == [
        ["Petite enfance", 4, 3, 40.0],
        ["Commerce", 2, 1, 20.0],
        ["Santé", 2, 1, 20.0],
        ["non renseigné", 1, 1, 10.0],
        ["Accueil", 1, 0, 10.0],
    ]


def test_only_the_ten_largest_sectors_are_shown(supervisor, world, idf_site):
    trainer, juries = world
    for n in range(11):
        for k in range(n % 3 + 1):
            make_file(
                idf_site,
                trainer,
                juries,
                name=f"Secteur{n}x{k}",
                born=dt.date(1990, 1, 1),
                sex="F",
                status="jobseeker",
                sector=f"Secteur {n:02d}",
                outcome="open",
                opened_on=OPENED,
            )
    refresh_facts()

    rows = tables(supervisor)["secteurs"].rows

    assert len(rows) == 10
    assert [row[0] for row in rows[:4]] == ["Petite enfance", "Secteur 02", "Secteur 05", "Secteur 08"]


def test_regions_give_participants_certified_and_rate_with_a_link_to_each(supervisor, idf, ara, world):
    regions = tables(supervisor)["regions"]

    assert regions.headers == ["région", "participants", "certifiés", "taux de certification (%)"]
    assert regions.rows == [["Auvergne-Rhône-Alpes", 3, 2, 66.7], ["Île-de-France", 7, 4, 57.1]]
    assert regions.links == [f"{URL}?region={ara.pk}", f"{URL}?region={idf.pk}"]


def test_a_regional_supervisor_sees_only_their_region(idf_supervisor, idf, ara, world):
    shown = tables(idf_supervisor)

    assert shown["synthese"].rows == [
        ["participants", 7],
        ["certifiés", 4],
        ["taux de certification (%)", 57.1],
        ["certifiés directement après l'évaluation préalable", 2],
        ["certifiés directement après l'évaluation préalable (% des certifiés)", 50.0],
        ["demandeurs d'emploi (%)", 71.4],
        ["salariés (%)", 14.3],
        ["moins de 25 ans (%)", 28.6],
        ["moins de 30 ans (%)", 57.1],
    ]
    assert shown["regions"].rows == [["Île-de-France", 7, 4, 57.1]]
    assert [row[:3] for row in shown["ages"].rows] == [
        ["moins de 25 ans", 2, 1],
        ["25 à 29 ans", 2, 2],
        ["30 à 44 ans", 2, 1],
        ["45 ans et plus", 1, 0],
    ]


def test_a_regional_supervisor_cannot_ask_for_another_region(client_for, idf_supervisor, ara, world):
    refused = client_for(idf_supervisor).get(URL, {"region": ara.pk})

    assert refused.status_code == 200
    assert 'data-table="synthese"' not in refused.content.decode()
    assert "Sélectionnez un choix valide" in refused.content.decode()


def test_the_region_filter_narrows_a_national_view(supervisor, ara, world):
    figures = synthesis(supervisor, region=ara.pk)

    assert (figures["participants"], figures["certifiés"], figures["taux de certification (%)"]) == (
        3,
        2,
        66.7,
    )


def test_the_period_keeps_the_files_opened_within_it_bounds_included(supervisor, world):
    figures = synthesis(
        supervisor, start="2024-01-01", end="2024-05-31"
    )  # not Jacob (2023), not Garnier (June)

    assert figures["participants"] == 8
    assert figures["certifiés"] == 5
    assert figures["taux de certification (%)"] == 62.5
    assert figures["certifiés directement après l'évaluation préalable (% des certifiés)"] == 60.0
    assert synthesis(supervisor, start="2024-03-15", end="2024-03-15")["participants"] == 8
    assert synthesis(supervisor, start="2024-06-10")["participants"] == 1


def test_the_certification_filter_keeps_its_files_only(supervisor, world):
    other = Certification.objects.exclude(code="CLEA").order_by("code").first()

    assert synthesis(supervisor, certification=other.pk)["participants"] == 0
    assert tables(supervisor, certification=other.pk)["ages"].rows[0] == ["moins de 25 ans", 0, 0, 0.0]


def test_the_funding_breakdown_counts_each_code_of_the_list_and_the_files_without_one(supervisor, world):
    files = {f.candidate.last_name: f for f in CaseFile.objects.select_related("candidate")}
    for name, funding in [("Arnaud", "cpf"), ("Bernard", "pro_a"), ("Dubois", "pro_a"), ("Henry", "region")]:
        CaseFile.objects.filter(pk=files[name].pk).update(funding=funding)
    refresh_facts()

    shown = tables(supervisor)["financement"]

    assert shown.headers == ["financement", "participants", "certifiés", "part des participants (%)"]
    assert shown.rows == [
        ["CPF (compte personnel de formation)", 1, 1, 10.0],
        ["Pro-A (reconversion ou promotion par alternance)", 2, 2, 20.0],
        ["Plan de développement des compétences de l'employeur", 0, 0, 0.0],
        ["OPCO", 0, 0, 0.0],
        ["Région", 1, 1, 10.0],
        ["France Travail (AIF)", 0, 0, 0.0],
        ["Autre", 0, 0, 0.0],
        ["non renseigné", 6, 2, 60.0],
    ]


def test_the_page_shows_the_seven_tables_to_a_supervisor(client_for, supervisor, world):
    response = client_for(supervisor).get(URL)

    html = response.content.decode()
    assert response.status_code == 200
    for key in ("synthese", "ages", "sexe", "statut", "financement", "secteurs", "regions"):
        assert f'data-table="{key}"' in html
    assert "Secteurs du projet professionnel (10 premiers)" in html
    assert '<td class="num">60,0</td>' in html  # the rate, in French


def test_each_table_exports_exactly_its_rows(client_for, supervisor, world):
    client = client_for(supervisor)
    for key, table in tables(supervisor).items():
        exported = client.get(URL, {"table": key, "format": "csv"})

        assert exported.status_code == 200
        rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig")), delimiter=";"))
        assert rows[0] == table.headers
        assert rows[1:] == [[str(cell) for cell in row] for row in table.rows]
    assert client.get(URL, {"table": "ages", "format": "xlsx"}).status_code == 200


def test_organisation_staff_and_anonymous_people_are_kept_out(client_for, client, evaluator, world):
    assert client_for(evaluator).get(URL).status_code == 403
    response = client.get(URL)
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_page_makes_the_same_number_of_queries_whatever_the_number_of_files(
    client_for, supervisor, idf_site, world
):
    trainer, juries = world
    client = client_for(supervisor)
    client.get(URL)  # warm the caches of the session and the reference data
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    for n, outcome in enumerate(["direct", "trained", "plan", "open", "refused"] * 2):
        make_file(
            idf_site,
            trainer,
            juries,
            name=f"Nouveau{n}",
            born=dt.date(1985, 5, 5),
            sex="M",
            status="employee",
            sector=f"Secteur {n}",
            outcome=outcome,
            opened_on=OPENED,
        )
    refresh_facts()
    with CaptureQueriesContext(connection) as more:
        client.get(URL)

    assert synthesis(supervisor)["participants"] == 20
    assert len(more.captured_queries) == len(few.captured_queries)
    assert sum('"dashboards_filefact"' in q["sql"] for q in more.captured_queries) == 3


def test_the_figures_follow_the_files_once_the_hourly_job_refreshed_the_facts(supervisor, world, idf_site):
    from dramatiq_crontab import scheduler

    from backoffice.dashboards.tasks import refresh_outcome_facts

    trainer, juries = world
    before = synthesis(supervisor)["participants"]
    make_file(
        idf_site, trainer, juries, name="Tardif", born=dt.date(1990, 1, 1), sex="F", status="jobseeker",
        sector="", outcome="open", opened_on=OPENED,
    )  # fmt: skip
    assert synthesis(supervisor)["participants"] == before  # not yet: figures as of the last refresh

    refresh_outcome_facts.fn()

    assert synthesis(supervisor)["participants"] == before + 1
    job = {job.name: job for job in scheduler.get_jobs()}["refresh_outcome_facts"]
    assert str(job.trigger.fields[6]) == "7" and str(job.trigger.fields[5]) == "*"  # minute 7 of every hour


def test_the_page_says_when_its_figures_were_computed(client_for, supervisor, world):
    from django.utils import timezone

    from backoffice.dashboards.models import FactsRefresh

    refreshed = FactsRefresh.objects.get(view="dashboards_filefact").refreshed_at  # the world's refresh
    shown = f"Chiffres calculés le {timezone.localtime(refreshed):%d/%m/%Y à %H:%M}."

    assert shown in client_for(supervisor).get(URL).content.decode()

    FactsRefresh.objects.all().delete()  # a view never refreshed since it was created without a record
    page = client_for(supervisor).get(URL).content.decode()
    assert "Chiffres pas encore calculés" in page
