from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_an_english_browser_still_gets_the_french_back_office(client):
    response = client.get("/accounts/login/", headers={"accept-language": "en-GB,en;q=0.9"})
    assert response.headers["Content-Language"] == "fr"
    page = response.content.decode()
    assert "Mot de passe" in page
    assert "Back-office CléA" in page and "Viewflow" not in page


def test_a_person_who_chose_english_gets_english(client_for, officer):
    client = client_for(officer)
    response = client.post("/langue/setlang/", {"language": "en", "next": "/accueil/"})
    assert response.status_code == 302
    page = client.get("/accueil/")
    assert page.headers["Content-Language"] == "en"
    assert "Log out" in page.content.decode()


def test_an_unknown_language_cookie_falls_back_to_french(client):
    client.cookies["django_language"] = "de"
    assert client.get("/accounts/login/").headers["Content-Language"] == "fr"
