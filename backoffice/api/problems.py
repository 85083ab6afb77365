"""Every error of the API as an RFC 9457 problem in French (`application/problem+json`): type, title, status,
detail, instance and, for bad input, `errors: [{champ, message}]` naming the field of each problem."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

PROBLEM_JSON = "application/problem+json"
TYPE_ROOT = "urn:clea:api:probleme:"

# status → (the problem's type, its title)
KINDS: dict[int, tuple[str, str]] = {
    400: ("requete-invalide", "Requête invalide"),
    401: ("authentification", "Authentification requise"),
    403: ("acces-refuse", "Accès refusé"),
    404: ("introuvable", "Ressource introuvable"),
    405: ("methode-non-autorisee", "Méthode non autorisée"),
    406: ("format-indisponible", "Format de réponse non disponible"),
    409: ("conflit", "Conflit"),
    413: ("trop-volumineux", "Requête trop volumineuse"),
    415: ("type-de-contenu", "Type de contenu non pris en charge"),
    429: ("trop-de-requetes", "Trop de requêtes"),
}
GENERIC_DETAILS = {
    401: "Envoyez votre clé d'API dans l'en-tête « Authorization: Bearer clea_… ».",
    403: "Cette clé ne permet pas cette action.",
    404: "Aucune ressource à cette adresse dans le périmètre de votre clé.",
    405: "Cette méthode n'est pas autorisée à cette adresse.",
    406: "Cette adresse ne répond qu'en JSON (application/json).",
    415: "Envoyez un corps JSON (Content-Type: application/json).",
}


class Conflict(exceptions.APIException):
    """An Idempotency-Key already used for another request (the only conflict the API has)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "Conflit."
    default_code = "conflict"
    kind = "cle-d-idempotence-deja-servie"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "Requête trop volumineuse."
    default_code = "too_large"


class Invalid(exceptions.APIException):
    """Bad input judged by the rules (a contract's row, a service): its problems, field by field."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid"

    def __init__(self, detail: str, errors: list[dict[str, str]]) -> None:
        super().__init__(detail)
        self.errors = errors


def problem(
    status_code: int,
    detail: str,
    *,
    instance: str = "",
    errors: list[dict[str, str]] | None = None,
    kind: str = "",
    headers: dict[str, str] | None = None,
) -> Response:
    """A problem answer; `kind` overrides the type the status gives."""
    slug, title = KINDS.get(status_code, ("erreur", "Erreur"))
    body: dict[str, Any] = {
        "type": TYPE_ROOT + (kind or slug),
        "title": title,
        "status": status_code,
        "detail": detail,
        "instance": instance,
    }
    if errors is not None:
        body["errors"] = errors
    return Response(body, status=status_code, headers=headers, content_type=PROBLEM_JSON)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, answering problems: every refusal of the API goes through here (and rolls back)."""
    request = context.get("request")
    instance = request.get_full_path() if request is not None else ""
    if isinstance(exc, Invalid):
        set_rollback()
        return problem(400, str(exc.detail), instance=instance, errors=exc.errors)
    if isinstance(exc, DjangoValidationError):  # a service refused: its French message(s)
        set_rollback()
        return problem(400, " ".join(exc.messages), instance=instance, errors=_django_errors(exc))
    if isinstance(exc, RequestDataTooBig):
        set_rollback()
        return problem(413, "Le corps de la requête dépasse la taille admise.", instance=instance)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(GENERIC_DETAILS[404])
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or GENERIC_DETAILS[403])
    if not isinstance(exc, exceptions.APIException):
        return None  # a bug: Django's 500 (logged), never a problem that hides it
    set_rollback()
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = str(exc.auth_header)  # type: ignore[attr-defined]
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))  # type: ignore[attr-defined]
    code = exc.status_code
    if isinstance(exc, exceptions.ValidationError):
        return problem(
            400,
            "Le corps de la requête ne respecte pas le format attendu : voir « errors ».",
            instance=instance,
            errors=flatten(exc.detail),
        )
    return problem(code, _detail(exc), instance=instance, headers=headers, kind=_kind(exc))


def _detail(exc: exceptions.APIException) -> str:
    if isinstance(exc, exceptions.ParseError):
        told = str(exc.detail)
        return (
            told
            if told.startswith(("JSON trop", "Le corps contient"))
            else ("Le corps de la requête n'est pas du JSON valide.")
        )
    if isinstance(exc, exceptions.Throttled) and _kind(exc) == "trop-de-cles-refusees":
        return f"Trop de clés refusées depuis votre adresse : réessayez dans {int(exc.wait or 1)} s."
    if isinstance(exc, exceptions.Throttled):
        return f"Limite de requêtes de la clé atteinte : réessayez dans {int(exc.wait or 1)} s."
    if isinstance(
        exc, exceptions.MethodNotAllowed | exceptions.NotAcceptable | exceptions.UnsupportedMediaType
    ):
        return GENERIC_DETAILS[exc.status_code]
    detail = exc.detail if isinstance(exc.detail, str) else ""
    # DRF's own English defaults (a mistyped header…) give way to the French of the status.
    if not detail or detail == str(type(exc).default_detail):
        return GENERIC_DETAILS.get(exc.status_code, "Erreur.")
    return str(detail)


def _kind(exc: exceptions.APIException) -> str:
    code = getattr(exc, "kind", "")
    return str(code) if code else ""


def flatten(detail: Any, path: str = "") -> list[dict[str, str]]:
    """DRF's nested errors as a flat list, each with its field's path (`elements[3].nom`)."""
    if isinstance(detail, dict):
        found = []
        for name, inner in detail.items():
            if isinstance(name, int) or str(name).isdigit():  # a list's item (DRF's ListField): `elements[3]`
                found += flatten(inner, f"{path}[{name}]")
                continue
            key = "" if name == "non_field_errors" else str(name)
            found += flatten(inner, f"{path}.{key}" if path and key else path or key)
        return found
    if isinstance(detail, list):
        if all(isinstance(item, str) for item in detail):
            return [{"champ": path, "message": str(item)} for item in detail]
        found = []
        for index, inner in enumerate(detail):
            if inner:
                found += flatten(inner, f"{path}[{index}]")
        return found
    return [{"champ": path, "message": str(detail)}]


def _django_errors(error: DjangoValidationError) -> list[dict[str, str]]:
    if hasattr(error, "error_dict"):
        return [
            {"champ": "" if name == "__all__" else name, "message": message}
            for name, messages in error.message_dict.items()
            for message in messages
        ]
    return [{"champ": "", "message": message} for message in error.messages]
