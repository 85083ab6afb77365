"""Content Security Policy: a header on every page, and pages without inline script or event attribute."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.test import Client

# Data blocks (json_script) are not executed, so the CSP does not concern them.
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}

# Every test here reads the database, some through `request.getfixturevalue`: marked, so that pytest-django
# runs them with the other database tests, before the transactional ones empty the tables.
pytestmark = pytest.mark.django_db


class InlineCode(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.inline_scripts: list[str] = []
        self.event_attributes: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        if tag == "script" and not names.get("src") and names.get("type") not in DATA_SCRIPT_TYPES:
            self.inline_scripts.append(self.get_starttag_text() or tag)
        self.event_attributes += [f"<{tag} {name}=…>" for name, _ in attrs if name.startswith("on")]


def inline_code(page: str) -> InlineCode:
    parser = InlineCode()
    parser.feed(page)
    return parser


def directives(header: str) -> dict[str, set[str]]:
    parsed = {}
    for part in header.split(";"):
        name, *values = part.split()
        parsed[name] = set(values)
    return parsed


def test_the_policy_forbids_inline_scripts_framing_and_foreign_forms(db):
    response = Client().get("/accounts/login/")

    policy = directives(response["Content-Security-Policy"])
    assert policy["default-src"] == {"'self'"}
    assert policy["script-src"] == {"'self'"}
    assert policy["style-src"] == {"'self'", "'unsafe-inline'"}  # the Material components' style attributes
    assert policy["img-src"] == {"'self'", "data:"}
    assert policy["frame-ancestors"] == {"'none'"}
    assert policy["form-action"] == {"'self'"}
    assert policy["object-src"] == {"'none'"}


def test_the_parser_sees_inline_scripts_and_event_attributes():
    found = inline_code('<script>alert(1)</script><script src="/a.js"></script><a onclick="x()">')

    assert found.inline_scripts == ["<script>"]
    assert found.event_attributes == ["<a onclick=…>"]


@pytest.mark.parametrize(
    ("persona", "url"),
    [
        (None, "/accounts/login/"),
        (None, "/accounts/password_reset/"),
        (None, "/verifier/"),
        ("supervisor", "/accueil/"),
        ("supervisor", "/candidats/dossiers/"),
        ("officer", "/annuaire/organismes/"),
        ("officer", "/jurys/"),
        ("officer", "/jurys/planifier/"),
        ("supervisor", "/campagnes/nouvelle/"),
        ("officer", "/notifications/"),
        ("supervisor", "/imports/"),
        ("supervisor", "/tableaux-de-bord/stocks/"),
        ("supervisor", "/tableaux-de-bord/flux/"),
        ("officer", "/parcours/inbox/"),
        ("supervisor", "/instruction/queue/"),
        ("officer", "/accounts/double-authentification/"),
        ("officer", "/accounts/password_change/"),
        ("administrator", "/admin/"),
        ("administrator", "/admin/axes/accessattempt/"),
    ],
)
def test_main_pages_carry_the_policy_and_no_inline_code(request, client_for, persona, url):
    client = client_for(request.getfixturevalue(persona)) if persona else Client()

    response = client.get(url)

    assert response.status_code == 200, url
    assert "script-src 'self'" in response["Content-Security-Policy"]
    found = inline_code(response.content.decode())
    assert found.inline_scripts == [], url
    assert found.event_attributes == [], url
