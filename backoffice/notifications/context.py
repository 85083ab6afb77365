"""The bell of the top bar: the person's unread count, counted only if a page shows it."""

from __future__ import annotations

from functools import cache
from typing import Any

from django.http import HttpRequest

from .selectors import unread_count_for


def unread_notifications(request: HttpRequest) -> dict[str, Any]:
    """`unread_notifications`: a callable the template calls once (one COUNT), for signed-in people only."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Lazy and memoised: pages without the bell (admin, JSON) cost no query, the bell costs one.
    return {"unread_notifications": cache(lambda: unread_count_for(user))}
