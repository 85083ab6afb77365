"""Read queries on exports: a person sees only the exports they asked for."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from .models import ExportJob


def exports_for(user: Any) -> QuerySet[ExportJob]:
    """The user's own exports, newest first (nobody sees another person's, whatever their role)."""
    if not getattr(user, "is_authenticated", False):
        return ExportJob.objects.none()
    return ExportJob.objects.filter(requested_by=user).order_by("-created_at", "-id")


def get_export_for(user: Any, pk: int) -> ExportJob:
    """One of the user's own exports, else 404."""
    return get_object_or_404(exports_for(user), pk=pk)
