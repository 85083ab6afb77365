"""Who sees what: every list, detail, export and dashboard narrows its queryset here.

A person's scope is national (supervisors, administrators), a set of regions (case officers, jury
members) or one organisation (organisation staff). Anyone else sees nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db.models import Model, Q, QuerySet

from backoffice.core.accounts.roles import Role, has_role

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class Scope:
    national: bool = False
    region_ids: frozenset[int] = field(default_factory=frozenset)
    organisation_id: int | None = None

    @property
    def is_empty(self) -> bool:
        return not (self.national or self.region_ids or self.organisation_id)

    def q(self, *, region: str | None = None, organisation: str | None = None) -> Q | None:
        """The condition on a queryset's rows, given the lookup paths to their region and organisation.

        Returns None for a national scope (no restriction).
        """
        if self.national:
            return None
        condition = Q(pk__in=[])
        if region and self.region_ids:
            condition |= Q(**{f"{region}__in": sorted(self.region_ids)})
        if organisation and self.organisation_id:
            condition |= Q(**{organisation: self.organisation_id})
        return condition

    def filter(
        self, queryset: QuerySet[M], *, region: str | None = None, organisation: str | None = None
    ) -> QuerySet[M]:
        condition = self.q(region=region, organisation=organisation)
        return queryset if condition is None else queryset.filter(condition)


NO_SCOPE = Scope()


def scope_of(user: Any) -> Scope:
    """The scope of a signed-in user (cached on the user object for the request)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return NO_SCOPE
    cached = getattr(user, "_clea_scope", None)
    if cached is not None:
        return cached
    scope = _load_scope(user)
    user._clea_scope = scope
    return scope


def _load_scope(user: Any) -> Scope:
    if user.is_superuser or has_role(user, Role.ADMINISTRATOR):
        return Scope(national=True)
    from .models import UserScope

    row = UserScope.objects.filter(user=user).first()
    if row is None:
        return NO_SCOPE
    return Scope(
        national=row.national,
        region_ids=frozenset(row.regions.values_list("pk", flat=True)),
        organisation_id=row.organisation_id,
    )
