"""Which imports a person sees: their organisation's; staff, those of their scope."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from accreditation.scoping import scope_of

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
