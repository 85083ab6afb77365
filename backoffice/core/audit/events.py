"""Write audit events: every service calls record() inside its transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone

from backoffice.core.accounts.types import SystemActor
from backoffice.core.bulksql import insert_alike, insert_objects

from .models import AuditEvent

_SUBSCRIBERS: list[Callable[[AuditEvent], None]] = []
_BATCH_SUBSCRIBERS: list[Callable[[list[AuditEvent]], None]] = []


@dataclass(frozen=True)
class Recovery:
    """Acts taken over from the old system: dated on their historical day, marked with their batch."""

    at: dt.datetime
    batch: int | None


_RECOVERY: ContextVar[Recovery | None] = ContextVar("audit_recovery", default=None)
RECOVERED_KEY = "reprise"  # in an event's data: the batch that took it over (« repris de l'ancien système »)


def historical_moment(day: dt.date | dt.datetime) -> dt.datetime:
    """An act of the old system known by its day only: noon of that day, French time."""
    if isinstance(day, dt.datetime):
        return day if timezone.is_aware(day) else timezone.make_aware(day)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


@contextmanager
def recovered(on: dt.date | dt.datetime, *, batch: int | None) -> Iterator[Recovery]:
    """Within it, every event recorded is one the old system's history held: dated `on` (not now), marked
    « repris de l'ancien système » with the migration's batch, and told to no subscriber (nobody is notified
    in 2026 of a 2019 decision). The services run unchanged inside it."""
    recovery = Recovery(at=historical_moment(on), batch=batch)
    token = _RECOVERY.set(recovery)
    try:
        yield recovery
    finally:
        _RECOVERY.reset(token)


def recovery() -> Recovery | None:
    """The takeover under way, if any (services that date their own rows read it)."""
    return _RECOVERY.get()


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
    if _RECOVERY.get() is None:
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
    taken_over = _RECOVERY.get()
    if taken_over is not None:
        data = {**(data or {}), RECOVERED_KEY: taken_over.batch}
    dated = {"occurred_at": taken_over.at} if taken_over is not None else {}  # else the model's default: now
    return AuditEvent(
        **dated,
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
    if _RECOVERY.get() is None:
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
    occurred_each: Sequence[dt.datetime] | None = None,
) -> None:
    """Many events of one verb and one actor, one per subject (bulk services: imports): the rows `event`
    makes, written without building an object each. `data` is the same for all, or `data_each` one each;
    `occurred_each` dates each one (acts taken over from the old system, each on its own day)."""
    if not subject_ids:
        return
    template = event(verb, actor=actor, subject_type=subject_type, subject_id="", subject_label="", data=data)
    varying: dict[str, Any] = {}
    taken_over = _RECOVERY.get()
    if data_each is not None:
        mark = {RECOVERED_KEY: taken_over.batch} if taken_over is not None else {}
        varying["data"] = [{**each, **mark} for each in data_each]
    if occurred_each is not None:
        varying["occurred_at"] = list(occurred_each)
    insert_alike(
        template,
        len(subject_ids),
        returning_ids=False,
        subject_id=[str(pk) for pk in subject_ids],
        subject_label=[label[:255] for label in labels],
        summary=[summary[:500] for summary in summaries],
        **varying,
    )
