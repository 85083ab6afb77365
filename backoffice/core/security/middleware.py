"""Idle sessions end; a person with a second factor sees nothing until they typed its code."""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from .sessions import LAST_ACTIVITY, SECOND_FACTOR_DUE

# The last-activity mark is rewritten at most this often, so most requests do not write the session.
ACTIVITY_RESOLUTION_S = 60


class IdleSessionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        idle_s = settings.SESSION_IDLE_MINUTES * 60
        if idle_s > 0:
            now = int(time.time())
            last = request.session.get(LAST_ACTIVITY)
            if last is None:
                if request.user.is_authenticated:
                    request.session[LAST_ACTIVITY] = now
            elif now - last > idle_s:
                logout(request)
                messages.info(
                    request,
                    f"Votre session a expiré après {settings.SESSION_IDLE_MINUTES} minutes d'inactivité : "
                    "reconnectez-vous.",
                )
            elif now - last >= ACTIVITY_RESOLUTION_S:
                request.session[LAST_ACTIVITY] = now
        return self.get_response(request)


class TwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.session.get(SECOND_FACTOR_DUE) and not request.user.is_verified():
            verify_url = reverse("two_factor_verify")
            if request.path not in {verify_url, reverse("logout")}:
                return redirect(f"{verify_url}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
