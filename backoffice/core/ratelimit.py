"""A fixed-window counter in Django's cache, enough to slow down the enumeration of a public page."""

from __future__ import annotations

from django.core.cache import cache


def allow(key: str, *, limit: int, window_s: int) -> bool:
    """True while `key` has been seen at most `limit` times in the current window of `window_s` seconds."""
    cache_key = f"ratelimit:{key}"
    # add() starts the window only if none is running; incr() is atomic on Redis and LocMemCache.
    cache.add(cache_key, 0, timeout=window_s)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # the window expired between add() and incr(): this hit opens a new one
        cache.add(cache_key, 1, timeout=window_s)
        return True
    return count <= limit
