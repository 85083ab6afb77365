"""Sessions end with the browser and after a period without activity."""

from __future__ import annotations

import html
import time

from django.conf import settings
from django.test import Client
from django.urls import reverse

from backoffice.core.security.sessions import LAST_ACTIVITY

PASSWORD = "motdepasse-de-test-42"


def signed_in(username: str = "officer.idf") -> Client:
    client = Client()
    assert client.post(reverse("login"), {"username": username, "password": PASSWORD}).status_code == 302
    return client


def go_back_in_time(client: Client, seconds: int) -> None:
    session = client.session
    session[LAST_ACTIVITY] = session[LAST_ACTIVITY] - seconds
    session.save()


def test_the_session_cookie_ends_with_the_browser(officer):
    client = signed_in()

    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["expires"] == "" and cookie["max-age"] == ""
    assert cookie["httponly"]


def test_the_stored_session_still_expires_after_the_cookie_age(officer):
    client = signed_in()

    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE == 8 * 3600


def test_a_session_idle_for_longer_than_the_limit_is_closed_with_a_french_message(officer):
    client = signed_in()
    go_back_in_time(client, settings.SESSION_IDLE_MINUTES * 60 + 1)

    response = client.get("/accueil/", follow=True)

    assert response.redirect_chain[0][0].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session
    assert "Votre session a expiré après 60 minutes d'inactivité" in html.unescape(response.content.decode())


def test_a_session_used_within_the_limit_stays_open_and_its_clock_restarts(officer):
    client = signed_in()
    go_back_in_time(client, settings.SESSION_IDLE_MINUTES * 60 - 5)

    assert client.get("/accueil/").status_code == 200
    assert time.time() - client.session[LAST_ACTIVITY] < 5


def test_the_idle_limit_comes_from_the_settings(officer, settings):
    settings.SESSION_IDLE_MINUTES = 5
    client = signed_in()
    go_back_in_time(client, 5 * 60 + 1)

    assert client.get("/accueil/").status_code == 302


def test_the_idle_limit_can_be_turned_off(officer, settings):
    settings.SESSION_IDLE_MINUTES = 0
    client = signed_in()
    go_back_in_time(client, 30 * 24 * 3600)

    assert client.get("/accueil/").status_code == 200


def test_a_session_older_than_the_feature_gets_its_clock_on_first_use(officer, client_for):
    client = client_for(officer)
    session = client.session
    del session[LAST_ACTIVITY]
    session.save()

    assert client.get("/accueil/").status_code == 200
    assert LAST_ACTIVITY in client.session


def test_a_page_view_within_a_minute_does_not_rewrite_the_session(
    officer, client_for, django_assert_num_queries
):
    client = client_for(officer)
    client.get("/accueil/")
    stamp = client.session[LAST_ACTIVITY]

    client.get("/accueil/")

    assert client.session[LAST_ACTIVITY] == stamp
