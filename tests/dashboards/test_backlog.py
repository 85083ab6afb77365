"""The backlog page: open pathway tasks by step, region, certification, organisation and person, by age and
overdue — checked against files of known ages, within each person's scope, exported as shown."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from viewflow.workflow.status import STATUS

from accreditation.services import set_user_scope
from backoffice.core.accounts.roles import Role
from tests.dashboards.helpers import open_tasks, table
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
URL = "/tableaux-de-bord/stocks/"
TODAY = dt.date.today()


def open_files(site, ages: list[int], *, name: str) -> None:  # type: ignore[no-untyped-def]
    """One file per age: its positioning task, waiting in the queue, created that many days ago."""
    open_tasks(site, [(age, None, STATUS.NEW) for age in ages], name=name)


@pytest.fixture
def world(idf_site, ara_site):  # type: ignore[no-untyped-def]
    open_files(idf_site, [3, 10, 40, 100], name="Idf")
    open_files(ara_site, [20], name="Ara")


@pytest.fixture
def idf_supervisor(idf):  # type: ignore[no-untyped-def]
    user = UserFactory(username="superviseur.idf", role=Role.SUPERVISOR)
    set_user_scope(user, regions=[idf], actor=None)
    return user


def test_a_national_supervisor_sees_every_open_task_by_step_age_and_overdue(client_for, supervisor, world):
    response = client_for(supervisor).get(URL)

    assert response.status_code == 200
    # 5 positionings: ages 3 | 10, 20 | 40 | 100; due after 15 days: 20, 40 and 100 are late.
    assert table(response, "etapes") == [["Évaluation préalable", "5", "1", "2", "1", "1", "3"]]
    assert sorted(table(response, "par-region")) == sorted(
        [
            ["Île-de-France", "4", "1", "1", "1", "1", "2"],
            ["Auvergne-Rhône-Alpes", "1", "0", "1", "0", "0", "1"],
        ]
    )
    assert table(response, "par-certification") == [["Certification CléA", "5", "1", "2", "1", "1", "3"]]
    assert table(response, "par-owner") == [["(non assignée)", "5", "1", "2", "1", "1", "3"]]


def test_a_regional_supervisor_sees_only_their_region_and_cannot_ask_for_another(
    client_for, idf_supervisor, ara, world
):
    client = client_for(idf_supervisor)

    assert table(client.get(URL), "etapes") == [["Évaluation préalable", "4", "1", "1", "1", "1", "2"]]
    refused = client.get(URL, {"region": ara.pk})
    assert refused.status_code == 200 and 'data-table="etapes"' not in refused.content.decode()
    assert "Sélectionnez un choix valide" in refused.content.decode()


def test_filters_in_the_url_narrow_the_figures_and_the_step_links_drill_down(
    client_for, supervisor, idf, world
):
    response = client_for(supervisor).get(URL, {"region": idf.pk})

    assert table(response, "etapes") == [["Évaluation préalable", "4", "1", "1", "1", "1", "2"]]
    assert f'href="/parcours/tasks/?region={idf.pk}&amp;flow_task=' in response.content.decode()


def test_each_table_exports_exactly_its_rows(client_for, supervisor, world):
    client = client_for(supervisor)
    shown = table(client.get(URL), "par-region")

    exported = client.get(URL, {"table": "par-region", "format": "csv"})

    assert exported["Content-Disposition"].endswith('.csv"')
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == [
        "région",
        "ouvertes",
        "moins de 7 jours",
        "7 à 30 jours",
        "30 à 90 jours",
        "plus de 90 jours",
        "en retard",
    ]
    assert rows[1:] == shown
    assert client.get(URL, {"table": "nope", "format": "csv"}).status_code == 404


def test_organisation_staff_and_anonymous_people_are_kept_out(client_for, client, evaluator, world):
    assert client_for(evaluator).get(URL).status_code == 403
    assert client.get(URL).status_code == 302


def test_the_page_makes_the_same_number_of_queries_whatever_the_number_of_files(
    client_for, supervisor, idf_site, evaluator, world
):
    client = client_for(supervisor)
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    open_files(idf_site, [1, 2, 5, 8, 16, 32, 50, 60], name="More")
    with CaptureQueriesContext(connection) as more:
        response = client.get(URL)

    assert table(response, "etapes")[0][1] == "13"
    assert len(more.captured_queries) == len(few.captured_queries)


def test_the_period_keeps_the_tasks_created_in_it(client_for, supervisor, world):
    start = (TODAY - dt.timedelta(days=15)).isoformat()

    response = client_for(supervisor).get(URL, {"start": start})

    assert table(response, "etapes") == [["Évaluation préalable", "2", "1", "1", "0", "0", "0"]]


def test_the_task_lists_offer_the_pathway_steps_by_their_french_names(client_for, supervisor, world):
    page = client_for(supervisor).get("/parcours/tasks/").content.decode()

    choices = html.unescape(page)  # the Material select carries its options as JSON
    labels = {json.loads(f'"{label}"') for label in re.findall(r'"label": "((?:[^"\\]|\\.)*)"', choices)}
    assert {"Évaluation préalable", "Plan de formation", "Évaluation finale"} <= labels


def test_only_the_fifty_most_loaded_people_are_listed_and_the_title_says_so(db):
    from backoffice.dashboards.backlog import FIGURES, by_dimension
    from backoffice.dashboards.filters import Filters

    people = [UserFactory(username=f"personne{n:02d}") for n in range(52)]
    cells = [
        {"flow_task": None, "owner": person.pk, **{figure: 0 for figure in FIGURES}, "open": n + 1}
        for n, person in enumerate(people)
    ]

    shown = by_dimension(cells, Filters(region_ids=None), "owner")

    assert len(shown.rows) == 50
    assert [row[0] for row in shown.rows[:2]] == ["personne51", "personne50"]  # most loaded first
    assert shown.rows[-1][:2] == ["personne02", 3]
    assert shown.title == "Tâches ouvertes par personne assignée — les 50 plus chargé·es sur 52"
