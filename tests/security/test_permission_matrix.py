"""The permission matrix: every URL of the project, walked from the resolver, answers each persona as the
table in `expected.py` declares — nobody reaches what is not theirs.

The URL parameters are filled with objects of side A (organisation A, Île-de-France); the personas are
relative to it: "own" is organisation A's staff and Île-de-France's officer and jury member, "other" their
counterparts of organisation B and Auvergne-Rhône-Alpes. Every GET is checked; a POST is sent only where the
table expects a refusal (a POST that would act, "act", is not sent) and must leave the state untouched.
A page an outsider is shown must not carry the candidate names of side A."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.test import Client, override_settings
from django.utils import timezone

from .expected import EXPECTED, LEAKS, PERSONAS
from .matrix import Route, changed_tables, fingerprint, people, url_for, walk
from .world import World, build_world

ROUTES = walk()
OUTSIDERS = {"anonymous", "evaluator_other", "officer_other", "jury_other"}
# By design the public verification shows the number typed and its holder (backoffice/certificates.py).
PUBLIC = {"certificate_verify_number"}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[tuple[World, Any, dict]]:  # type: ignore[no-untyped-def]
    """The world, built once for the module in a transaction rolled back at the end, and one logged-in
    session per persona."""
    media = tmp_path_factory.mktemp("media")
    hashers = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media, PASSWORD_HASHERS=hashers):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            built = build_world()
            sessions = {}
            for persona, user in people(built, "A").items():
                if user is not None:
                    client = Client()
                    client.force_login(user)
                    sessions[persona] = client.cookies[settings.SESSION_COOKIE_NAME].value
            yield built, media, sessions
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def media_root(world, settings):  # type: ignore[no-untyped-def]
    """The documents of the shared world stay where the world put them."""
    settings.MEDIA_ROOT = world[1]
    return world[1]


def client_of(sessions: dict[str, str], persona: str) -> Client:
    client = Client()
    if persona in sessions:
        client.cookies[settings.SESSION_COOKIE_NAME] = sessions[persona]
    return client


def answer(response: Any) -> str:
    """The status as the table writes it: a redirection to a login page is "login" or "admin"."""
    if response.status_code == 302:
        location = response["Location"]
        if location.startswith("/accounts/login/"):
            return "login"
        if location.startswith("/admin/login/"):
            return "admin"
    return str(response.status_code)


def side_a_names(world: World) -> list[str]:
    return [f.candidate.last_name for f in world.a.files.values()] + [world.a.objects["certificate"].number]


def check_get(route: Route, url: str, persona: str, world: tuple[World, Any, dict]) -> list[str]:
    """The mismatches between what `persona` gets on `route` and what the table declares."""
    built, _, sessions = world
    expected = EXPECTED[route.key][persona].partition("/")[0]
    cache.clear()  # the public verification page counts lookups per address
    response = client_of(sessions, persona).get(url)
    got = answer(response)
    problems = [] if got == expected else [f"GET {url} as {persona}: {got}, expected {expected}"]
    if got == "200" and persona in OUTSIDERS and route.key not in PUBLIC and _is_html(response):
        shown = [name for name in side_a_names(built) if name in response.content.decode()]
        if shown:
            problems.append(f"GET {url} as {persona} shows side A's {shown}")
    return problems


def check_post(route: Route, url: str, persona: str, world: tuple[World, Any, dict]) -> list[str]:
    """A POST the table expects refused is refused as declared ("act": not sent, it would act)."""
    _, _, sessions = world
    expected = EXPECTED[route.key][persona].partition("/")[2]
    if expected == "act":
        return []
    got = answer(client_of(sessions, persona).post(url))
    return [] if got == expected else [f"POST {url} as {persona}: {got}, expected {expected}"]


def _is_html(response: Any) -> bool:
    return str(response.get("Content-Type", "")).startswith("text/html")


def guard(routes: list[Route], expected: dict[str, dict[str, str]]) -> list[str]:
    """What keeps a new URL from slipping in unchecked, and a removed one from lingering in the table."""
    walked = [route.key for route in routes]
    problems = [
        f"two routes share the key {key}: name them" for key in sorted(set(walked)) if walked.count(key) > 1
    ]
    problems += [
        f"route without a declared expectation: {key}" for key in sorted(set(walked) - set(expected))
    ]
    problems += [
        f"declared expectation of a route that no longer exists: {key}"
        for key in sorted(set(expected) - set(walked))
    ]
    problems += [
        f"{key}: not every persona is declared" for key, row in expected.items() if set(row) != set(PERSONAS)
    ]
    return problems


def test_every_route_has_a_declared_expectation_and_every_declaration_a_route() -> None:
    assert guard(ROUTES, EXPECTED) == []


def test_the_guard_names_an_undeclared_route_and_a_stale_declaration() -> None:
    new = Route("nouveau/<int:pk>/", "nouveau:detail")
    assert guard([*ROUTES, new], EXPECTED) == ["route without a declared expectation: nouveau:detail"]
    assert guard(ROUTES[1:], EXPECTED) == [
        f"declared expectation of a route that no longer exists: {ROUTES[0].key}"
    ]
    incomplete = {**EXPECTED, ROUTES[0].key: {"anonymous": "login/login"}}
    assert guard(ROUTES, incomplete) == [f"{ROUTES[0].key}: not every persona is declared"]


@pytest.mark.parametrize("route", [pytest.param(route, id=route.key) for route in ROUTES])
def test_the_route_answers_each_persona_as_declared(route: Route, world, db) -> None:  # type: ignore[no-untyped-def]
    url = url_for(route, world[0], "A")
    personas = [p for p in PERSONAS if (route.key, p) not in LEAKS]  # a known leak is checked on its own
    problems = [problem for persona in personas for problem in check_get(route, url, persona, world)]
    # Reading may be recorded (consultations of personal data); the POSTs the table expects refused must
    # together change nothing.
    sent = [p for p in personas if not EXPECTED[route.key][p].endswith("/act")]
    before = fingerprint() if sent else ""
    problems += [problem for persona in sent for problem in check_post(route, url, persona, world)]
    after = fingerprint() if sent else ""
    if sent and after != before:
        problems.append(
            f"a refused POST changed the state (POST sent as {', '.join(sent)}; tables: "
            f"{', '.join(changed_tables(before, after))})"
        )
    assert not problems, "\n".join(problems)


if LEAKS:  # one strict xfail per known leak: the suite stays green while the leak stays visible

    @pytest.mark.parametrize(
        ("key", "persona"),
        [
            pytest.param(key, persona, marks=pytest.mark.xfail(strict=True, reason=f"LEAK: {reason}"))
            for (key, persona), reason in LEAKS.items()
        ],
    )
    def test_known_leak_still_answers_wrongly(key: str, persona: str, world, db) -> None:  # type: ignore[no-untyped-def]
        route = next(route for route in ROUTES if route.key == key)
        url = url_for(route, world[0], "A")
        problems = check_get(route, url, persona, world)
        before = fingerprint()
        problems += check_post(route, url, persona, world)
        assert not problems and fingerprint() == before, "\n".join(problems)


@pytest.mark.parametrize("model", ["domain", "subdomain", "criterion"])
def test_the_admin_add_form_of_a_framework_part_posted_empty_answers_with_its_errors(
    model: str, world, db
) -> None:  # type: ignore[no-untyped-def]
    _, _, sessions = world
    before = fingerprint()
    response = client_of(sessions, "administrator").post(f"/admin/accreditation/{model}/add/", {})
    assert response.status_code == 200 and fingerprint() == before
    assert "Ce champ est obligatoire" in response.content.decode()  # the form's errors, in French


def test_the_fingerprint_sees_a_state_change(world, db) -> None:  # type: ignore[no-untyped-def]
    """Else "a refused POST changed nothing" could never fail."""
    notification = world[0].a.objects["notification"]
    before = fingerprint()
    type(notification).objects.filter(pk=notification.pk).update(read_at=timezone.now())
    assert fingerprint() != before
