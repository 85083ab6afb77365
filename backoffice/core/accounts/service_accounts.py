"""Service accounts: the technical users through which the organisations' API keys act (backoffice/api). They
hold an evaluator's role and scope, so every service checks and records them as the organisation's staff; they
never sign in, and they are not people: no list of staff offers them (an assessor, a trainer, a notification's
recipient). Their username says so in the audit trail: « via l'API, clé … »."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model, QuerySet

SERVICE_ACCOUNT_PREFIX = "via l'API, clé "

_M = TypeVar("_M", bound=Model)


def people_only(users: QuerySet[_M]) -> QuerySet[_M]:
    """The users among `users` that are people, not an API key's service account."""
    return users.exclude(username__startswith=SERVICE_ACCOUNT_PREFIX)


def is_service_account(user: Any) -> bool:
    return str(getattr(user, "username", "")).startswith(SERVICE_ACCOUNT_PREFIX)
