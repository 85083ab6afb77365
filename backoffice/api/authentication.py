"""Who calls: `Authorization: Bearer clea_<prefix>_<secret>` names a key of an organisation; its service
account is the request's user, so every selector and service scopes and checks it as the organisation's
staff. What the key may: read (GET) or also write. How often: `API_RATE_LIMIT` calls a minute per key."""

from __future__ import annotations

import time
from typing import Any, NoReturn

from django.conf import settings
from django.core.cache import cache
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.throttling import BaseThrottle

from backoffice.core.ratelimit import allow
from backoffice.core.security.client_ip import client_ip

from .models import ApiKey
from .services import key_of, note_use

REALM = 'Bearer realm="api"'


class KeyRefused(exceptions.AuthenticationFailed):
    kind = "cle-refusee"


class ApiKeyAuthentication(BaseAuthentication):
    """The key of the Authorization header. An address that sent `API_REFUSED_KEYS_LIMIT` malformed or
    unknown keys in a minute (guessing) gets 429 until the next minute, before any key is looked up."""

    def authenticate(self, request: Any) -> tuple[Any, ApiKey] | None:
        header = get_authorization_header(request).split()
        if not header:
            return None  # no key: refused by the permission, as "not authenticated" (401)
        refusals = _Refusals(request)
        refusals.ensure_allowed()
        if header[0].lower() != b"bearer" or len(header) != 2:
            refusals.refuse("En-tête Authorization mal formé : « Authorization: Bearer clea_… ».")
        try:
            text = header[1].decode("ascii")
        except UnicodeDecodeError:
            refusals.refuse("Clé d'API illisible.")
        key = key_of(text)
        if key is None:
            refusals.refuse("Clé d'API inconnue.")
        # A key of ours, now refused: not counted against the address (a software that keeps retrying its
        # revoked key must not block the other organisations calling from the same host).
        if key.revoked_at is not None:
            raise KeyRefused(f"Cette clé d'API a été révoquée le {key.revoked_at:%d/%m/%Y}.")
        if not key.service_user.is_active:
            raise KeyRefused("Le compte de service de cette clé d'API est désactivé.")
        note_use(key)
        return key.service_user, key

    def authenticate_header(self, request: Any) -> str:
        return REALM


class RefusedTooOften(exceptions.Throttled):
    kind = "trop-de-cles-refusees"


class _Refusals:
    """The refused keys of the caller's address, counted per calendar minute in the shared cache."""

    def __init__(self, request: Any) -> None:
        now = time.time()
        self.wait = 60 - int(now) % 60
        self.counter = f"ratelimit:api-refused:{client_ip(request)}:{int(now) // 60}"

    def ensure_allowed(self) -> None:
        if (cache.get(self.counter) or 0) >= settings.API_REFUSED_KEYS_LIMIT:
            raise RefusedTooOften(wait=self.wait)

    def refuse(self, message: str) -> NoReturn:
        cache.add(self.counter, 0, timeout=60)
        try:
            cache.incr(self.counter)
        except ValueError:  # the minute ended in between
            cache.add(self.counter, 1, timeout=60)
        raise KeyRefused(message)


class ReadOnlyKey(exceptions.PermissionDenied):
    kind = "cle-en-lecture-seule"


class KeyScopePermission(BasePermission):
    """A key for every call; a key with the write scope for anything but reading."""

    def has_permission(self, request: Any, view: Any) -> bool:
        key = request.auth
        if not isinstance(key, ApiKey):
            return False  # DRF answers 401: no credentials were given
        if request.method not in SAFE_METHODS and not key.may_write:
            raise ReadOnlyKey("Cette clé est en lecture seule : créez une clé « lecture et écriture ».")
        return True


class KeyRateThrottle(BaseThrottle):
    """A fixed window per key and calendar minute (`backoffice.core.ratelimit`, shared by the web processes
    through the cache); the answer says when the next minute starts."""

    def allow_request(self, request: Any, view: Any) -> bool:
        key = request.auth
        if not isinstance(key, ApiKey):
            return True
        now = time.time()
        self.retry_after = 60 - int(now) % 60
        minute = int(now) // 60
        return allow(f"api:{key.pk}:{minute}", limit=settings.API_RATE_LIMIT, window_s=60)

    def wait(self) -> float:
        return float(self.retry_after)
