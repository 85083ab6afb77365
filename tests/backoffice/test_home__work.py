"""The home page shows each person's work within their scope, in a number of queries that does not grow with
the files waiting."""

from __future__ import annotations

import datetime as dt
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from accreditation.models import Certification
from casefiles.services import open_case_file
from tests.casefiles.conftest import (  # noqa: F401 (fixtures)
    assessor,
    clea,
    employee_member,
    framework,
    session,
    two_ready_files,
)
from tests.workflows.conftest import start_in_bulk

pytestmark = pytest.mark.django_db


def open_files(site, staff, names: list[str]) -> None:  # type: ignore[no-untyped-def]
    files = [
        open_case_file(
            site=site,
            certification=Certification.objects.get(code="CLEA"),
            opened_on=timezone.localdate() - dt.timedelta(days=30),
            candidate_data={
                "last_name": name,
                "first_name": "Test",
                "birth_date": dt.date(1990, 1, 1),
                "status": "jobseeker",
                "postcode": "93200",
            },
            actor=staff,
        )
        for name in names
    ]
    start_in_bulk(files)


def test_evaluator_sees_their_files_waiting_with_steps_and_due_dates(client_for, evaluator, idf_site):
    open_files(idf_site, evaluator, ["Durand", "Petit"])

    page = unescape(client_for(evaluator).get(reverse("accueil:index")).content.decode())

    assert "Dossiers qui vous attendent" in page
    assert "DURAND" in page.upper() and "PETIT" in page.upper()
    assert "Évaluation préalable" in page and "Échéance" in page
    assert "None" not in page


def test_evaluator_of_other_organisation_does_not_see_them(
    client_for, evaluator, evaluator_of_other_organisation, idf_site
):
    open_files(idf_site, evaluator, ["Durand"])

    page = client_for(evaluator_of_other_organisation).get(reverse("accueil:index")).content.decode()

    assert "DURAND" not in page.upper()
    assert "Aucun dossier n'attend votre organisme" in unescape(page)


def test_evaluator_home_queries_do_not_grow_with_the_files(
    client_for, evaluator, idf_site, django_assert_max_num_queries
):
    client = client_for(evaluator)
    open_files(idf_site, evaluator, ["Un", "Deux"])
    client.get(reverse("accueil:index"))
    open_files(idf_site, evaluator, ["Trois", "Quatre", "Cinq", "Six", "Sept"])
    with django_assert_max_num_queries(20):
        client.get(reverse("accueil:index"))


@pytest.mark.parametrize("persona", ["supervisor", "administrator", "officer", "jury_member", "trainer"])
def test_each_role_home_runs_a_bounded_number_of_queries(
    request, client_for, idf_site, persona, django_assert_max_num_queries
):
    client = client_for(request.getfixturevalue(persona))
    client.get(reverse("accueil:index"))
    with django_assert_max_num_queries(25):
        response = client.get(reverse("accueil:index"))
    assert "None" not in response.content.decode()


def test_supervisor_sees_the_alerts_with_their_lists(client_for, supervisor):
    page = unescape(client_for(supervisor).get(reverse("accueil:index")).content.decode())

    assert "Alertes" in page
    assert reverse("certificats:index") + "?non_transmis=1" in page
    assert "habilitations arrivant à échéance dans les 6 mois" in page


def test_officer_and_jury_member_see_their_region_session_and_outsiders_see_nothing_of_it(
    client_for,
    officer,
    jury_member,
    officer_of_other_region,
    ara,
    session,  # noqa: F811
):
    from accreditation.services import set_user_scope
    from backoffice.core.accounts.roles import Role
    from tests.factories import UserFactory

    jury_of_other_region = UserFactory(
        username="jury.ara", first_name="Jules", last_name="Vienne", role=Role.JURY_MEMBER
    )
    set_user_scope(jury_of_other_region, regions=[ara], actor=None)
    officer_page = unescape(client_for(officer).get(reverse("accueil:index")).content.decode()).upper()
    jury_page = unescape(client_for(jury_member).get(reverse("accueil:index")).content.decode())

    assert "BERNARD" in officer_page and "MOREAU" in officer_page  # files to check before the session
    assert session.get_absolute_url() in jury_page and "Prochaines sessions de jury" in jury_page
    for outsider in (officer_of_other_region, jury_of_other_region):
        page = unescape(client_for(outsider).get(reverse("accueil:index")).content.decode())
        assert "BERNARD" not in page.upper() and "MOREAU" not in page.upper()
        assert session.get_absolute_url() not in page
