"""Who calls: `Authorization: Bearer clea_<prefix>_<secret>` names a key of an organisation; its service
account is the request's user, so every selector and service scopes and checks it as the organisation's
staff. What the key may: read (GET) or also write. How often: `API_RATE_LIMIT` calls a minute per key."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.throttling import BaseThrottle

from backoffice.core.ratelimit import allow

from .models import ApiKey
from .services import key_of, note_use

REALM = 'Bearer realm="api"'


class KeyRefused(exceptions.AuthenticationFailed):
    kind = "cle-refusee"


class ApiKeyAuthentication(BaseAuthentication):
    def authenticate(self, request: Any) -> tuple[Any, ApiKey] | None:
        header = get_authorization_header(request).split()
        if not header:
            return None  # no key: refused by the permission, as "not authenticated" (401)
        if header[0].lower() != b"bearer" or len(header) != 2:
            raise KeyRefused("En-tête Authorization mal formé : « Authorization: Bearer clea_… ».")
        try:
            text = header[1].decode("ascii")
        except UnicodeDecodeError as error:
            raise KeyRefused("Clé d'API illisible.") from error
        key = key_of(text)
        if key is None:
            raise KeyRefused("Clé d'API inconnue.")
        if key.revoked_at is not None:
            raise KeyRefused(f"Cette clé d'API a été révoquée le {key.revoked_at:%d/%m/%Y}.")
        if not key.service_user.is_active:
            raise KeyRefused("Le compte de service de cette clé d'API est désactivé.")
        note_use(key)
        return key.service_user, key

    def authenticate_header(self, request: Any) -> str:
        return REALM


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
