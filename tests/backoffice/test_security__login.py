"""Login throttling (django-axes): a username is locked out from an address after repeated failures."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse

PASSWORD = "motdepasse-de-test-42"


@pytest.fixture(autouse=True)
def five_failures_fifteen_minutes(settings):  # type: ignore[no-untyped-def]
    settings.AXES_FAILURE_LIMIT = 5


def log_in(client: Client, username: str, password: str, address: str = "203.0.113.7"):  # type: ignore[no-untyped-def]
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def fail(client: Client, username: str, times: int, address: str = "203.0.113.7") -> None:
    for _ in range(times):
        response = log_in(client, username, "pas-le-bon-mot-de-passe", address)
        assert response.status_code in {200, 429}


def test_the_right_password_signs_in_and_lands_on_the_home_page(officer):
    response = log_in(Client(), "officer.idf", PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == "/"


def test_a_wrong_password_is_refused_with_a_french_message(officer):
    response = log_in(Client(), "officer.idf", "pas-le-bon-mot-de-passe")

    assert response.status_code == 200
    assert "Saisissez un nom d’utilisateur et un mot de passe valides" in response.content.decode()


def test_the_fifth_failure_locks_the_account_out_with_a_french_page(officer):
    client = Client()
    fail(client, "officer.idf", 4)

    response = log_in(client, "officer.idf", "pas-le-bon-mot-de-passe")

    assert response.status_code == 429
    page = response.content.decode()
    assert "Connexion bloquée" in page
    assert "5 essais" in page
    assert "bloquée pendant 15 minutes" in page


def test_a_locked_out_account_is_refused_even_with_the_right_password(officer):
    client = Client()
    fail(client, "officer.idf", 5)

    response = log_in(client, "officer.idf", PASSWORD)

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_four_failures_then_the_right_password_signs_in_and_forgets_the_failures(officer):
    client = Client()
    fail(client, "officer.idf", 4)

    assert log_in(client, "officer.idf", PASSWORD).status_code == 302
    assert not AccessAttempt.objects.filter(username="officer.idf").exists()


def test_the_lockout_is_per_username_and_address(officer, supervisor):
    fail(Client(), "officer.idf", 5, address="203.0.113.7")

    assert log_in(Client(), "officer.idf", PASSWORD, address="198.51.100.20").status_code == 302
    assert log_in(Client(), "supervisor", PASSWORD, address="203.0.113.7").status_code == 302


def test_the_failure_limit_comes_from_the_settings(officer, settings):
    settings.AXES_FAILURE_LIMIT = 2
    client = Client()
    fail(client, "officer.idf", 1)

    assert log_in(client, "officer.idf", "pas-le-bon-mot-de-passe").status_code == 429


def test_an_administrator_unlocks_the_account_in_the_admin(officer, administrator, client_for):
    fail(Client(), "officer.idf", 5)
    attempt = AccessAttempt.objects.get(username="officer.idf")

    admin = client_for(administrator)
    listing = admin.get(reverse("admin:axes_accessattempt_changelist"))
    assert listing.status_code == 200
    assert "officer.idf" in listing.content.decode()
    response = admin.post(reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"})

    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="officer.idf").exists()
    assert log_in(Client(), "officer.idf", PASSWORD).status_code == 302


def test_a_case_officer_cannot_open_the_lockouts_in_the_admin(officer, client_for):
    response = client_for(officer).get(reverse("admin:axes_accessattempt_changelist"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_force_login_of_the_other_tests_is_not_throttled(officer, client_for):
    fail(Client(), "officer.idf", 5, address="127.0.0.1")

    assert client_for(officer).get("/accueil/").status_code == 200


def test_behind_the_proxy_the_address_is_the_one_the_proxy_appended(officer, settings):
    settings.BEHIND_PROXY = True
    client = Client()
    # The client forges the first address each time; the proxy appends the real one last.
    for forged in range(5):
        client.post(
            reverse("login"),
            {"username": "officer.idf", "password": "pas-le-bon-mot-de-passe"},
            HTTP_X_FORWARDED_FOR=f"10.0.0.{forged}, 203.0.113.7",
        )

    response = client.post(
        reverse("login"),
        {"username": "officer.idf", "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="10.0.0.99, 203.0.113.7",
    )
    assert response.status_code == 429
