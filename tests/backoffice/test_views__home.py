from __future__ import annotations

from html import unescape

import pytest
from django.urls import reverse

from accreditation.services import set_user_scope
from backoffice.core.accounts.roles import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HOME = "/accueil/"


def test_root_redirects_to_login_then_the_home_page(client, officer):
    assert client.get("/").url.startswith(reverse("login"))
    response = client.post(
        reverse("login"), {"username": "officer.idf", "password": "motdepasse-de-test-42"}, follow=True
    )
    assert response.status_code == 200
    assert response.request["PATH_INFO"] == HOME
    assert "Chargé·e d'instruction" in unescape(response.content.decode())


def test_wrong_password_is_refused_in_french(client, officer):
    response = client.post(reverse("login"), {"username": "officer.idf", "password": "mauvais"})
    assert response.status_code == 200
    assert "Saisissez un nom d’utilisateur et un mot de passe valides" in response.content.decode()


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("officer", ["Chargé·e d'instruction", "Île-de-France", "Vos régions"]),
        ("supervisor", ["Superviseur·e", "national", "Vos régions"]),
        ("jury_member", ["Membre de jury", "Île-de-France"]),
        ("evaluator", ["Organisme évaluateur", "Habilitations de"]),
        ("trainer", ["Organisme de formation", "Habilitations de"]),
        ("administrator", ["Administrateur·rice", "Ouvrir l'administration"]),
    ],
)
def test_each_role_reaches_its_home_page(request, client_for, idf_site, persona, expected):
    user = request.getfixturevalue(persona)
    response = client_for(user).get(HOME)
    page = unescape(response.content.decode())
    assert response.status_code == 200
    assert '<html lang="fr"' in page
    for text in expected:
        assert text in page, text


def test_evaluator_home_lists_their_accreditations_not_others(client_for, evaluator, idf_site, ara_site):
    page = client_for(evaluator).get(HOME).content.decode()
    assert idf_site.siret in page
    assert ara_site.siret not in page


def test_home_warns_of_accreditations_expiring_within_six_months(client_for, officer, idf_site):
    import datetime as dt

    accreditation = idf_site.accreditations.get()
    type(accreditation).objects.filter(pk=accreditation.pk).update(
        valid_to=dt.date.today() + dt.timedelta(days=30)
    )
    page = client_for(officer).get(HOME).content.decode()
    assert "expire le" in page


def test_user_without_role_or_scope_sees_an_empty_home(client_for, idf_site):
    page = client_for(UserFactory(username="newcomer")).get(HOME).content.decode()
    assert "aucun rôle attribué" in page
    assert idf_site.siret not in page


def test_home_page_runs_a_bounded_number_of_queries(
    client_for, officer, idf_site, django_assert_max_num_queries
):
    client = client_for(officer)
    client.get(HOME)
    with django_assert_max_num_queries(20):  # the officer's blocks: applications, agendas, regions
        client.get(HOME)


def test_officer_cannot_open_the_django_admin(client_for, officer):
    response = client_for(officer).get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response.url


def test_officer_made_staff_by_mistake_still_cannot_open_the_admin(client_for, officer, ara_site):
    # The admin is not scoped: is_staff alone must not open it to a regional officer.
    officer.is_staff = True
    officer.save()
    client = client_for(officer)
    assert client.get("/admin/accreditation/site/").status_code == 302
    assert client.get(f"/admin/accreditation/site/{ara_site.pk}/change/").status_code == 302


def test_administrator_searches_the_admin_audit_log(client_for, administrator, officer, ara):
    set_user_scope(officer, regions=[ara], actor=administrator)
    response = client_for(administrator).get("/admin/audit/auditevent/?q=Auvergne")
    assert response.status_code == 200
    assert "Périmètre : Auvergne-Rhône-Alpes" in unescape(response.content.decode())


def test_health_answers_without_login(client):
    assert client.get("/sante/").json() == {"status": "ok"}


@pytest.mark.parametrize("role", list(Role))
def test_every_role_has_a_group_with_permissions(role):
    from django.contrib.auth.models import Group

    from backoffice.core.accounts.roles import group_name

    assert Group.objects.get(name=group_name(role)).permissions.exists()


def test_menu_hides_the_applications_a_user_has_no_right_to(client_for, idf_site):
    newcomer = UserFactory(username="no-role")
    page = unescape(client_for(newcomer).get(HOME).content.decode())
    assert "/annuaire/" not in page
    assert client_for(newcomer).get("/annuaire/organismes/").status_code == 403


def test_menu_shows_the_directory_to_an_officer(client_for, officer):
    assert "/annuaire/" in client_for(officer).get(HOME).content.decode()


def test_health_answers_503_when_the_database_does_not(client, monkeypatch):
    from django.db import OperationalError, connection

    def refused(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", refused)
    response = client.get("/sante/")

    assert response.status_code == 503
    assert response.json()["status"] == "indisponible"


def test_the_server_error_page_is_french_and_shows_nothing_internal(rf):
    from django.views.defaults import server_error

    page = server_error(rf.get("/")).content.decode()

    assert "Le service rencontre un problème" in page
    assert "Traceback" not in page and "administrators" not in page
