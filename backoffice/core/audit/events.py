"""Write audit events: every service calls record() inside its transaction."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q

from backoffice.core.accounts.types import SystemActor
from backoffice.core.bulksql import insert_alike, insert_objects

from .models import AuditEvent

_SUBSCRIBERS: list[Callable[[AuditEvent], None]] = []
_BATCH_SUBSCRIBERS: list[Callable[[list[AuditEvent]], None]] = []


def subscribe(handler: Callable[[AuditEvent], None]) -> None:
    """Call `handler` with each event `record` appends, in the same transaction (notifications)."""
    if handler not in _SUBSCRIBERS:
        _SUBSCRIBERS.append(handler)


def subscribe_batch(handler: Callable[[list[AuditEvent]], None]) -> None:
    """Call `handler` with the events `record_each` appends together, in the same transaction."""
    if handler not in _BATCH_SUBSCRIBERS:
        _BATCH_SUBSCRIBERS.append(handler)


def record(
    verb: str,
    *,
    actor: SystemActor,
    subject: models.Model,
    summary: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event about `subject`, done by `actor` (None for the system)."""
    appended = event(
        verb,
        actor=actor,
        subject_type=ContentType.objects.get_for_model(subject, for_concrete_model=False),
        subject_id=subject.pk,
        subject_label=str(subject),
        summary=summary,
        data=data,
    )
    appended.save()
    for handler in _SUBSCRIBERS:
        handler(appended)
    return appended


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


def event(
    verb: str,
    *,
    actor: SystemActor,
    subject_type: ContentType,
    subject_id: Any,
    subject_label: str,
    summary: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """An unsaved event, as `record` writes it: for services that write many at once (`record_many`)."""
    person = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    return AuditEvent(
        actor=person,
        actor_label=(person.get_username() if person is not None else "système"),
        verb=verb,
        subject_type=subject_type,
        subject_id=str(subject_id),
        subject_label=subject_label[:255],
        summary=summary[:500],
        data=data or {},
    )


def record_each(
    verb: str,
    *,
    actor: SystemActor,
    subjects: Sequence[models.Model],
    summaries: Sequence[str],
    data_each: Sequence[dict[str, Any]] | None = None,
) -> list[AuditEvent]:
    """What `record` does for each subject — its event, and the subscribers told of it (notifications) — for
    many subjects of one model at once, in a few statements whatever their number (a jury's certificates)."""
    if not subjects:
        return []
    subject_type = ContentType.objects.get_for_model(subjects[0], for_concrete_model=False)
    events = [
        event(
            verb,
            actor=actor,
            subject_type=subject_type,
            subject_id=subject.pk,
            subject_label=str(subject),
            summary=summary,
            data=data_each[index] if data_each is not None else None,
        )
        for index, (subject, summary) in enumerate(zip(subjects, summaries, strict=True))
    ]
    insert_objects(AuditEvent, events, with_ids=True)
    for handler in _BATCH_SUBSCRIBERS:
        handler(events)
    return events


def record_many(events: list[AuditEvent]) -> None:
    """Append many events in one statement per thousand (bulk services: imports)."""
    insert_objects(AuditEvent, events)


def record_alike(
    verb: str,
    *,
    actor: SystemActor,
    subject_type: ContentType,
    subject_ids: Sequence[Any],
    labels: Sequence[str],
    summaries: Sequence[str],
    data: dict[str, Any] | None = None,
    data_each: Sequence[dict[str, Any]] | None = None,
) -> None:
    """Many events of one verb and one actor, one per subject (bulk services: imports): the rows `event`
    makes, written without building an object each. `data` is the same for all, or `data_each` one each."""
    if not subject_ids:
        return
    template = event(verb, actor=actor, subject_type=subject_type, subject_id="", subject_label="", data=data)
    varying: dict[str, Any] = {} if data_each is None else {"data": data_each}
    insert_alike(
        template,
        len(subject_ids),
        returning_ids=False,
        subject_id=[str(pk) for pk in subject_ids],
        subject_label=[label[:255] for label in labels],
        summary=[summary[:500] for summary in summaries],
        **varying,
    )
