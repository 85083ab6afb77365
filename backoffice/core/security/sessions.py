"""What a fresh login writes into the session: when it was last used, and whether a second factor is due."""

from __future__ import annotations

import time
from typing import Any

from django.http import HttpRequest
from django_otp import user_has_device

LAST_ACTIVITY = "security.last_activity"
SECOND_FACTOR_DUE = "security.second_factor_due"


def start_session(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """Connected to `user_logged_in`: asked once per login, so pages need no device query per request."""
    if request is None or not hasattr(request, "session"):
        return
    request.session[LAST_ACTIVITY] = int(time.time())
    request.session[SECOND_FACTOR_DUE] = user_has_device(user, confirmed=True)
