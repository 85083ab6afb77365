"""Pages a person enjoys reading: every page a role opens (home, lists, details of a file, a jury session, a
certificate, an application, dashboards, imports, exports, the processes' pages) on a realistic world —
the permission matrix's, built through the services — shows no technical leftover in its visible text:
no "None", "nan", "null", no raw choice code such as `ready_for_jury`, `jobseeker` or `france_travail`."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.test import Client, override_settings

from tests.security.matrix import Route, people, url_for, walk
from tests.security.world import World, build_world

PERSONAS = ("evaluator_own", "officer_own", "jury_own", "supervisor")
LEFTOVERS = re.compile(r"\b(None|nan|NaN|null|undefined|True|False)\b")
# Pages that are not read as pages: files, forms that only answer a POST, the admin and the account pages.
SKIPPED = re.compile(r"^(admin/|accounts/|sante/)|\.(pdf|csv|xlsx|json|svg)|telecharger|fichier|pieces/")


class VisibleText(HTMLParser):
    """The text a reader sees: text nodes outside scripts, styles and templates, plus titles and alt texts."""

    HIDDEN = {"script", "style", "template", "noscript"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.HIDDEN:
            self.hidden += 1
        for name, value in attrs:
            if name in {"title", "alt", "aria-label", "placeholder", "label"} and value:
                self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN and self.hidden:
            self.hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return re.sub(r"\s+", " ", " ".join(parser.parts))


def raw_codes() -> set[str]:
    """The stored values of the project's choices that a reader must never see: those that are not
    words of their own label (`ready_for_jury`, `jobseeker`, `france_travail`, `info_req`…)."""
    codes: set[str] = set()
    for model in apps.get_models():
        if model._meta.app_label not in {"accreditation", "casefiles", "imports", "exports", "notifications"}:
            continue
        for field in model._meta.get_fields():
            for value, label in getattr(field, "flatchoices", None) or ():
                is_code = isinstance(value, str) and re.fullmatch(r"[a-z][a-z0-9_]{3,}", value)
                if is_code and value.lower() not in str(label).lower():
                    codes.add(value)
    return codes


def leftovers(text: str, codes: set[str]) -> list[str]:
    found = [m.group(0) for m in LEFTOVERS.finditer(text)]
    found += sorted(code for code in codes if re.search(rf"(?<![\w/.-]){re.escape(code)}(?![\w/.-])", text))
    return found


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[tuple[World, dict[str, str]]]:  # type: ignore[no-untyped-def]
    """The permission matrix's world, built once in a rolled-back transaction, and a session per role."""
    hashers = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    media = tmp_path_factory.mktemp("media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media, PASSWORD_HASHERS=hashers):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            built = build_world()
            sessions = {}
            for persona, user in people(built, "A").items():
                if persona in PERSONAS:
                    client = Client()
                    client.force_login(user)
                    sessions[persona] = client.cookies[settings.SESSION_COOKIE_NAME].value
            yield built, sessions
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def pages() -> list[Route]:
    return [route for route in walk() if not SKIPPED.search(route.pattern) and "<path:" not in route.pattern]


@pytest.mark.parametrize("persona", PERSONAS)
def test_no_page_of_the_role_shows_none_nan_or_a_raw_code(persona: str, world, db) -> None:  # type: ignore[no-untyped-def]
    built, sessions = world
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = sessions[persona]
    codes = raw_codes()
    problems, read = [], 0
    for route in pages():
        url = url_for(route, built, "A")
        cache.clear()  # the public verification counts lookups per address
        response: Any = client.get(url)
        if response.status_code != 200 or not str(response.get("Content-Type", "")).startswith("text/html"):
            continue
        read += 1
        found = leftovers(visible_text(response.content.decode()), codes)
        if found:
            problems.append(f"{url} ({route.key}): {', '.join(sorted(set(found)))}")
    assert read > 10, "the role reads its pages"
    assert not problems, "\n".join(problems)


def test_the_check_sees_a_leftover() -> None:
    """Else "no leftover" could never fail."""
    html = "<p>Médiane : None</p><td>ready_for_jury</td><script>var x = null;</script>"
    assert leftovers(visible_text(html), {"ready_for_jury"}) == ["None", "ready_for_jury"]
