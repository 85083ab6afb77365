"""Write audit events: every service calls record() inside its transaction."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q

from .models import AuditEvent


def record(
    verb: str,
    *,
    actor: Any,
    subject: models.Model,
    summary: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event about `subject`, done by `actor` (None for the system)."""
    is_person = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent.objects.create(
        actor=actor if is_person else None,
        actor_label=(actor.get_username() if is_person else "système"),
        verb=verb,
        subject_type=ContentType.objects.get_for_model(subject, for_concrete_model=False),
        subject_id=str(subject.pk),
        subject_label=str(subject)[:255],
        summary=summary[:500],
        data=data or {},
    )


def timeline(subject: models.Model) -> models.QuerySet[AuditEvent]:
    """The events of one record, oldest first."""
    return AuditEvent.objects.for_subject(subject).select_related("actor").order_by("occurred_at", "id")


def combined_timeline(*querysets: models.QuerySet) -> models.QuerySet[AuditEvent]:
    """The events of several sets of records (an organisation, its sites…), oldest first."""
    condition = Q(pk__in=[])
    for queryset in querysets:
        content_type = ContentType.objects.get_for_model(queryset.model, for_concrete_model=False)
        ids = [str(pk) for pk in queryset.values_list("pk", flat=True)]
        condition |= Q(subject_type=content_type, subject_id__in=ids)
    return AuditEvent.objects.filter(condition).select_related("actor").order_by("occurred_at", "id")
