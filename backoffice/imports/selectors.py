"""Which imports a person sees: their organisation's; staff, those of their scope."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from accreditation.scoping import scope_of
from backoffice.core.accounts.roles import Role, has_role
from backoffice.core.legacy.models import LegacyBatch

from .models import ImportJob


def imports_for(user: Any) -> QuerySet[ImportJob]:
    """An organisation's staff see its imports; officers theirs and those of organisations of their
    regions; national staff every import."""
    jobs = ImportJob.objects.select_related("uploaded_by", "organisation")
    scope = scope_of(user)
    if scope.national:
        return jobs
    if scope.is_empty:
        return jobs.none()
    condition = Q(uploaded_by=user)
    if scope.organisation_id:
        condition |= Q(organisation_id=scope.organisation_id)
    if scope.region_ids:
        condition |= Q(organisation__sites__region_id__in=sorted(scope.region_ids))
    return jobs.filter(condition).distinct()


def get_import_for(user: Any, pk: int) -> ImportJob:
    return get_object_or_404(imports_for(user), pk=pk)


def batches_for(user: Any) -> QuerySet[LegacyBatch]:
    """The migration batches: supervisors and administrators run the takeover and see every batch."""
    if not (has_role(user, Role.SUPERVISOR, Role.ADMINISTRATOR) and scope_of(user).national):
        return LegacyBatch.objects.none()
    return LegacyBatch.objects.select_related("created_by")


def get_batch_for(user: Any, pk: int) -> LegacyBatch:
    return get_object_or_404(batches_for(user), pk=pk)


def imports_of_batch(batch: LegacyBatch) -> QuerySet[ImportJob]:
    return (
        ImportJob.objects.filter(legacy_batch=batch)
        .select_related("uploaded_by")
        .order_by("uploaded_at", "pk")
    )
