"""CSRF protection on every view, and uploaded files only through views that check access."""

from __future__ import annotations

from collections.abc import Iterator

from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

# Views allowed to skip the CSRF check, by dotted path. None today.
CSRF_EXEMPT_VIEWS: set[str] = set()
# The organisations' API authenticates by its bearer key only, never by the session cookie (REST_FRAMEWORK's
# authentication classes): no cross-site request can carry a key, so Django REST framework's views are exempt.
CSRF_EXEMPT_PACKAGES = ("backoffice.api.", "drf_spectacular.views.")


def every_view(patterns: list[URLPattern | URLResolver], prefix: str = "") -> Iterator[tuple[str, object]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from every_view(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern.callback


def dotted(view: object) -> str:
    target = getattr(view, "view_class", view)
    return f"{target.__module__}.{target.__qualname__}"


def test_the_walk_sees_the_whole_site_including_the_flows_and_the_admin():
    routes = dict(every_view(get_resolver().url_patterns))

    assert len(routes) > 200
    assert {"accounts/login/", "admin/", "parcours/inbox/", "dossiers/<int:pk>/pieces/"} <= set(routes)


def test_no_view_is_exempt_from_csrf_unless_declared():
    exempt = {
        route: dotted(view)
        for route, view in every_view(get_resolver().url_patterns)
        if getattr(view, "csrf_exempt", False)
        and dotted(view) not in CSRF_EXEMPT_VIEWS
        and not dotted(view).startswith(CSRF_EXEMPT_PACKAGES)
    }

    assert exempt == {}


def test_the_csrf_middleware_is_on():
    assert "django.middleware.csrf.CsrfViewMiddleware" in settings.MIDDLEWARE


def test_a_post_without_the_csrf_token_is_refused(officer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(officer)

    response = client.post("/notifications/tout-marquer-lu/")

    assert response.status_code == 403


def test_the_login_form_needs_the_csrf_token_too(officer):
    response = Client(enforce_csrf_checks=True).post(
        "/accounts/login/", {"username": "officer.idf", "password": "motdepasse-de-test-42"}
    )

    assert response.status_code == 403


def test_uploaded_files_are_not_served_at_the_media_address(officer, client_for, media_root):
    stored = media_root / "casefiles" / "piece-confidentielle.pdf"
    stored.parent.mkdir(parents=True)
    stored.write_bytes(b"%PDF-1.4 confidentiel")

    for client in (client_for(officer), Client()):
        response = client.get(f"/{settings.MEDIA_URL}casefiles/piece-confidentielle.pdf")
        assert response.status_code in {302, 404}
        assert b"confidentiel" not in b"".join(getattr(response, "streaming_content", [response.content]))


def test_whitenoise_serves_only_the_static_files():
    assert getattr(settings, "WHITENOISE_ROOT", None) is None
    assert settings.MEDIA_ROOT != settings.STATIC_ROOT
    assert not str(settings.MEDIA_ROOT).startswith(str(settings.STATIC_ROOT))
