"""The organisations' API keys: created and revoked by the organisation's evaluator staff, each with a service
account that acts for it (the services' checks and the audit trail work unchanged: « via l'API, clé … »)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accreditation.models import Organisation
from accreditation.scoping import scope_of
from accreditation.services import set_user_scope
from backoffice.core.accounts.roles import Role, group_name, has_role
from backoffice.core.accounts.service_accounts import SERVICE_ACCOUNT_PREFIX, is_service_account
from backoffice.core.accounts.types import Actor
from backoffice.core.audit.events import record

from .events import ApiEvent
from .models import ApiKey, IdempotentRequest, KeyScope

KEY_START = "clea"
PREFIX_BYTES = 5  # 8 characters of base32: public, shown in the list and in the trail
USE_NOTED_EVERY = dt.timedelta(minutes=1)  # `last_used_at` written at most once a minute per key
IDEMPOTENCY_KEPT = dt.timedelta(hours=24)


def ensure_key_manager(actor: Any, organisation: Organisation) -> None:
    """The organisation's evaluator staff manage its keys (the back-office knows no organisation
    administrator: every evaluator of the organisation may); a key's own account never does."""
    is_staff = (
        has_role(actor, Role.EVALUATOR_STAFF)
        and scope_of(actor).organisation_id == organisation.pk
        and not is_service_account(actor)
    )
    if not is_staff:
        raise PermissionDenied("Seul le personnel évaluateur de l'organisme gère ses clés d'API.")


@transaction.atomic
def create_api_key(organisation: Organisation, *, name: str, scope: str, actor: Actor) -> tuple[ApiKey, str]:
    """A new key and its service account; returns the key and its full text, shown once (only its hash is
    kept)."""
    ensure_key_manager(actor, organisation)
    name = " ".join(name.split())
    if not name or len(name) > 100:
        raise ValidationError("Nommez la clé (100 caractères au plus) : le logiciel qui l'utilisera.")
    if scope not in KeyScope.values:
        raise ValidationError("Choisissez les droits de la clé : lecture, ou lecture et écriture.")
    prefix = _new_prefix()
    secret = secrets.token_urlsafe(32)
    key = ApiKey(
        organisation=organisation,
        name=name,
        prefix=prefix,
        secret_hash=secret_digest(secret),
        scope=scope,
        created_by=actor,
        service_user=_service_account(organisation, name=name, prefix=prefix, actor=actor),
    )
    key.full_clean()
    key.save()
    record(
        ApiEvent.KEY_CREATED,
        actor=actor,
        subject=key,
        summary=f"Clé d'API « {name} » créée ({key.get_scope_display().lower()}, préfixe {prefix}).",
        data={"organisation": organisation.pk, "prefix": prefix, "scope": scope},
    )
    return key, f"{KEY_START}_{prefix}_{secret}"


@transaction.atomic
def revoke_api_key(key: ApiKey, *, actor: Actor) -> ApiKey:
    """Revoke the key for good: its next call is refused, its service account disabled."""
    locked = ApiKey.objects.select_for_update().select_related("service_user").get(pk=key.pk)
    ensure_key_manager(actor, locked.organisation)
    if locked.revoked_at is not None:
        raise ValidationError(f"Cette clé est déjà révoquée depuis le {locked.revoked_at:%d/%m/%Y}.")
    locked.revoked_at, locked.revoked_by = timezone.now(), actor
    locked.save(update_fields=["revoked_at", "revoked_by"])
    account = locked.service_user
    account.is_active = False
    account.save(update_fields=["is_active"])
    record(
        ApiEvent.KEY_REVOKED,
        actor=actor,
        subject=locked,
        summary=f"Clé d'API « {locked.name} » révoquée (préfixe {locked.prefix}).",
        data={"organisation": locked.organisation_id, "prefix": locked.prefix},
    )
    return locked


def secret_digest(secret: str) -> str:
    """SHA-256 of the secret: 256 random bits need no slow hash, and no server secret to rotate."""
    return hashlib.sha256(secret.encode()).hexdigest()


def key_of(text: str) -> ApiKey | None:
    """The key this `clea_<prefix>_<secret>` names, revoked or not; None when unknown or wrong."""
    start, _, rest = text.partition("_")
    prefix, _, secret = rest.partition("_")
    if start != KEY_START or not prefix or not secret or len(text) > 200:
        return None
    key = ApiKey.objects.select_related("service_user", "organisation").filter(prefix=prefix).first()
    # Compared in constant time, and hashed even for an unknown prefix: the timing tells nothing.
    expected = key.secret_hash if key is not None else "0" * 64
    matches = hmac.compare_digest(expected, secret_digest(secret))
    return key if key is not None and matches else None


def note_use(key: ApiKey) -> None:
    """Write the key's last use, at most once a minute (a busy key would otherwise write on every call)."""
    now = timezone.now()
    if key.last_used_at is not None and now - key.last_used_at < USE_NOTED_EVERY:
        return
    ApiKey.objects.filter(pk=key.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - USE_NOTED_EVERY)
    ).update(last_used_at=now)
    key.last_used_at = now


def purge_idempotent_requests(*, now: dt.datetime | None = None) -> int:
    """Forget the answers kept for retries after 24 hours."""
    deleted, _ = IdempotentRequest.objects.filter(
        created_at__lt=(now or timezone.now()) - IDEMPOTENCY_KEPT
    ).delete()
    return deleted


def _new_prefix() -> str:
    while True:
        prefix = secrets.token_hex(PREFIX_BYTES)[:8]
        if not ApiKey.objects.filter(prefix=prefix).exists():
            return prefix


def _service_account(organisation: Organisation, *, name: str, prefix: str, actor: Actor) -> Any:
    """The key's technical account: never signs in (no usable password), evaluator of the organisation, named
    so that the trail reads « via l'API, clé … »."""
    account = get_user_model()(
        username=service_username(name, prefix), first_name="API —", last_name=name[:150], is_active=True
    )
    account.set_unusable_password()
    account.save()
    account.groups.add(Group.objects.get(name=group_name(Role.EVALUATOR_STAFF)))
    set_user_scope(account, organisation=organisation, actor=actor)
    return account


def service_username(name: str, prefix: str) -> str:
    """What the audit trail shows as the actor of every act made with the key."""
    suffix = f" » ({prefix})"
    start = f"{SERVICE_ACCOUNT_PREFIX}« "
    return f"{start}{name[: 150 - len(suffix) - len(start)]}{suffix}"
