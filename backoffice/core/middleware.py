"""French for everyone: the back-office has one language (docs/architecture.md, "Language")."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation


class FrenchOnlyMiddleware:
    # Unlike LocaleMiddleware, nothing from the request is read (neither Accept-Language nor a language
    # cookie): the strings are French literals, so any other language would give a half-translated page.
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
