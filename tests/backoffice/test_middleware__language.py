from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_an_english_browser_still_gets_the_french_back_office(client):
    response = client.get("/accounts/login/", headers={"accept-language": "en-GB,en;q=0.9"})
    assert response.headers["Content-Language"] == "fr"
    page = response.content.decode()
    assert "Mot de passe" in page
    assert "Back-office CléA" in page and "Viewflow" not in page


def test_asking_for_english_still_gives_french(client_for, officer):
    client = client_for(officer)
    assert client.post("/langue/setlang/", {"language": "en", "next": "/accueil/"}).status_code == 404
    client.cookies["django_language"] = "en"
    page = client.get("/accueil/", headers={"accept-language": "en"})
    assert page.headers["Content-Language"] == "fr"
    content = page.content.decode()
    assert "Déconnexion" in content
    assert "Log out" not in content


def test_an_unknown_language_cookie_falls_back_to_french(client):
    client.cookies["django_language"] = "de"
    assert client.get("/accounts/login/").headers["Content-Language"] == "fr"
