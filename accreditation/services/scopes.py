"""Give people their scope: regions or one organisation."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from backoffice.core.accounts.types import SystemActor
from backoffice.core.audit.events import record

from ..events import AccreditationEvent
from ..models import Organisation, Region, UserScope
from ..rules import scope_errors


@transaction.atomic
def set_user_scope(
    user: Any,
    *,
    national: bool = False,
    regions: Iterable[Region] = (),
    organisation: Organisation | None = None,
    actor: SystemActor,
) -> UserScope:
    """Set what a person works on, consistent with their roles; replaces their previous scope."""
    region_list = list(regions)
    errors = scope_errors(user, national=national, regions=region_list, organisation=organisation)
    if errors:
        raise ValidationError(errors)
    scope, _ = UserScope.objects.get_or_create(user=user)
    scope.national = national
    scope.organisation = organisation
    scope.full_clean()
    scope.save()
    scope.regions.set(region_list)
    user.__dict__.pop("_clea_scope", None)
    record(
        AccreditationEvent.SCOPE_CHANGED,
        actor=actor,
        subject=user,
        summary="Périmètre : " + _describe(national, region_list, organisation),
        data={
            "national": national,
            "regions": [r.code for r in region_list],
            "organisation": organisation.pk if organisation else None,
        },
    )
    return scope


def _describe(national: bool, regions: list[Region], organisation: Organisation | None) -> str:
    if national:
        return "national"
    parts = [", ".join(r.name for r in regions)] if regions else []
    if organisation:
        parts.append(organisation.legal_name)
    return " ; ".join(parts) or "aucun"
