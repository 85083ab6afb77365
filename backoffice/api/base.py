"""What every endpoint of the API shares: the key's checks, the body's size limit read before parsing, strong
ETags on reads (`If-None-Match` → 304), one transaction per write, and `Idempotency-Key` on POST and PATCH."""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpResponseNotModified
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .authentication import ApiKeyAuthentication, KeyRateThrottle, KeyScopePermission
from .models import ApiKey, IdempotentRequest
from .problems import Conflict, Invalid, PayloadTooLarge
from .services import IDEMPOTENCY_KEPT

REPLAYED = "Idempotent-Replayed"
calls = logging.getLogger("backoffice.api.calls")


class SafeJSONParser(JSONParser):
    """JSON, refusing what PostgreSQL or Python cannot hold: a NUL character in a string or a key (no text
    column takes it), nesting deeper than the interpreter recurses."""

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as error:
            raise ParseError("JSON trop imbriqué.") from error
        if _holds_nul(data):
            raise ParseError("Le corps contient un caractère nul (U+0000), interdit dans tout texte.")
        return data


def _holds_nul(data: Any, depth: int = 0) -> bool:
    if isinstance(data, str):
        return "\x00" in data
    if depth > 50:
        raise ParseError("JSON trop imbriqué : 50 niveaux au plus.")
    if isinstance(data, dict):
        return any("\x00" in key or _holds_nul(value, depth + 1) for key, value in data.items())
    if isinstance(data, list):
        return any(_holds_nul(value, depth + 1) for value in data)
    return False


class ApiView(APIView):
    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [KeyScopePermission]
    throttle_classes = [KeyRateThrottle]
    parser_classes = [SafeJSONParser]
    renderer_classes = [JSONRenderer]

    @property
    def key(self) -> ApiKey:
        return self.request.auth  # type: ignore[return-value]  # KeyScopePermission let only keys in

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        length = _declared_length(request)
        super().initial(request, *args, **kwargs)  # the key first: nobody without one makes us read a body
        _read_body(request, length)
        _refuse_nul_characters(request)

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        key = getattr(request, "auth", None)
        # Every call, in the log (the acts are in the audit trail, the reads of a file on its timeline).
        calls.info(
            "%s %s %s clé %s",
            request.method,
            request.path,
            response.status_code,
            key.prefix if isinstance(key, ApiKey) else "-",
        )
        patch_vary_headers(response, ["Authorization"])
        if (
            request.method in ("GET", "HEAD")
            and response.status_code == 200
            and isinstance(response, Response)
        ):
            response.render()
            etag = f'"{hashlib.sha256(response.content).hexdigest()[:40]}"'
            response["ETag"] = etag
            response["Cache-Control"] = "private, no-cache"
            if _matches(request.headers.get("If-None-Match", ""), etag):
                not_modified = HttpResponseNotModified()
                for name in ("ETag", "Cache-Control", "Vary"):
                    not_modified[name] = response[name]
                return not_modified
        return response


def _declared_length(request: Request) -> int:
    """Before anything: the declared length against `API_MAX_BODY_BYTES` (the API's own limit: the rest of
    the site keeps Django's `DATA_UPLOAD_MAX_MEMORY_SIZE`)."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    limit = settings.API_MAX_BODY_BYTES
    if length > limit:
        raise PayloadTooLarge(
            f"Le corps de la requête pèse {filesizeformat(length)} : la limite est de "
            f"{filesizeformat(limit)}. Envoyez des lots plus petits (1 000 éléments au plus)."
        )
    return length


def _read_body(request: Request, length: int) -> None:
    """The body read here, within the API's limit: Django's `body` (and DRF's parsers) then answer from it."""
    django_request = request._request
    if length and not django_request._read_started:  # type: ignore[attr-defined]
        django_request._body = django_request.read(length)  # type: ignore[attr-defined]


def _refuse_nul_characters(request: Request) -> None:
    """A NUL character has no place in a parameter (PostgreSQL refuses it in any text): 400, naming it."""
    errors = [
        {"champ": name, "message": "caractère nul (U+0000) interdit."}
        for name, values in request.query_params.lists()
        if "\x00" in name or any("\x00" in value for value in values)
    ]
    if errors:
        raise Invalid("Paramètre invalide : voir « errors ».", errors)


def _matches(header: str, etag: str) -> bool:
    tags = [tag.strip() for tag in header.split(",")]
    return "*" in tags or etag in tags or f"W/{etag}" in tags


Handler = Callable[..., Response]


def writes(handler: Handler) -> Handler:
    """A write: one transaction, all or nothing; with an `Idempotency-Key`, the first answer kept 24 hours and
    given again to a retry of the same request (`Idempotent-Replayed: true`), never acted twice."""

    @functools.wraps(handler)
    def run(view: ApiView, request: Request, *args: Any, **kwargs: Any) -> Response:
        token = request.headers.get("Idempotency-Key", "")
        if not token:
            with transaction.atomic():
                return handler(view, request, *args, **kwargs)
        if len(token) > 255 or not token.isprintable():
            raise Invalid(
                "En-tête Idempotency-Key invalide.",
                [{"champ": "Idempotency-Key", "message": "255 caractères imprimables au plus."}],
            )
        digest = hashlib.sha256(request.body).hexdigest()
        with transaction.atomic():
            kept = _claim(view.key, token, request, digest)
            if kept is not None:
                return _replay(kept, request, digest)
            response = handler(view, request, *args, **kwargs)
            IdempotentRequest.objects.filter(api_key=view.key, key=token).update(
                status=response.status_code,
                response_body=response.data,
                location=response.get("Location", ""),
            )
            return response

    return run


def _claim(key: ApiKey, token: str, request: Request, digest: str) -> IdempotentRequest | None:
    """Take the token for this request, or return the request that holds it. A retry sent while the first
    one runs waits on the row's unique index, then finds its answer."""
    IdempotentRequest.objects.filter(
        api_key=key, key=token, created_at__lt=timezone.now() - IDEMPOTENCY_KEPT
    ).delete()
    try:
        with transaction.atomic():
            IdempotentRequest.objects.create(
                api_key=key,
                key=token,
                method=request.method or "",
                path=request.path[:500],
                body_sha256=digest,
                status=0,
            )
    except IntegrityError:
        return IdempotentRequest.objects.get(api_key=key, key=token)
    return None


def _replay(kept: IdempotentRequest, request: Request, digest: str) -> Response:
    if (kept.method, kept.path, kept.body_sha256) != (request.method, request.path[:500], digest):
        raise Conflict(
            f"La clé d'idempotence « {kept.key[:60]} » a déjà servi le "
            f"{timezone.localtime(kept.created_at):%d/%m/%Y à %H:%M} pour une autre requête "
            f"({kept.method} {kept.path}, ou un autre corps) : utilisez une nouvelle clé pour une "
            "nouvelle requête."
        )
    headers = {REPLAYED: "true"}
    if kept.location:
        headers["Location"] = kept.location
    return Response(kept.response_body, status=kept.status, headers=headers)
