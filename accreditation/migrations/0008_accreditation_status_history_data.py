"""Data: the dated status history of the accreditations granted before it was kept, replayed from their audit
events (granted, suspended, reinstated, withdrawn, expired: each says the day it took effect), so that a
suspension since lifted still blocks its own days. An accreditation without events (loaded outside the
services) is active from the start of its validity, then in its current status from the day it was set."""

import datetime as dt

from django.db import migrations
from django.db.models import Exists, OuterRef
from django.utils import timezone

CHUNK = 1000
GRANTED = "accreditation.granted"
STATUS_OF_VERB = {
    GRANTED: "active",
    "accreditation.suspended": "suspended",
    "accreditation.reinstated": "active",
    "accreditation.withdrawn": "withdrawn",
    "accreditation.expired": "expired",
}
STATUSES = {"active", "suspended", "withdrawn", "expired"}
REBUILT = "Historique reconstitué"


def build_history(apps, schema_editor):  # type: ignore[no-untyped-def]
    Accreditation = apps.get_model("accreditation", "Accreditation")
    StatusChange = apps.get_model("accreditation", "AccreditationStatusChange")
    AuditEvent = apps.get_model("audit", "AuditEvent")
    ContentType = apps.get_model("contenttypes", "ContentType")
    kind = ContentType.objects.filter(app_label="accreditation", model="accreditation").first()
    # Those written by the lifecycle services since the history exists keep theirs.
    pending = Accreditation.objects.exclude(
        Exists(StatusChange.objects.filter(accreditation_id=OuterRef("pk")))
    ).order_by("pk")
    last_pk = 0
    while chunk := list(pending.filter(pk__gt=last_pk)[:CHUNK]):
        last_pk = chunk[-1].pk
        events = _events_of(AuditEvent, kind, chunk)
        changes = [
            StatusChange(accreditation_id=accreditation.pk, **change)
            for accreditation in chunk
            for change in _history(accreditation, events.get(str(accreditation.pk), []))
        ]
        StatusChange.objects.bulk_create(changes, batch_size=CHUNK)


def _events_of(AuditEvent, kind, chunk):  # type: ignore[no-untyped-def]
    """The lifecycle events of a chunk of accreditations, by accreditation, oldest first."""
    if kind is None:  # no content type yet: no event was ever recorded
        return {}
    found: dict[str, list[dict]] = {}
    rows = (
        AuditEvent.objects.filter(
            subject_type=kind, subject_id__in=[str(a.pk) for a in chunk], verb__in=list(STATUS_OF_VERB)
        )
        .order_by("occurred_at", "id")
        .values("subject_id", "verb", "summary", "data", "occurred_at", "actor_id")
    )
    for row in rows.iterator(chunk_size=CHUNK):
        found.setdefault(row["subject_id"], []).append(row)
    return found


def _history(accreditation, events):  # type: ignore[no-untyped-def]
    """The dated changes of one accreditation: active from the start of its validity, then each change its
    events record, then its current status if a change was made outside the services."""
    granted = next((e for e in events if e["verb"] == GRANTED), None)
    first = (
        {"recorded_at": events[0]["occurred_at"]} if events else {}
    )  # ordered before the changes of its day
    changes = [
        {
            "status": "active",
            "effective_on": accreditation.valid_from,
            "reason": f"{REBUILT} : habilitation accordée",
            **first,
            **_recorded(granted),
        }
    ]
    for event in events:
        if event["verb"] == GRANTED:
            continue
        data = event["data"] if isinstance(event["data"], dict) else {}
        status = data.get("to") if data.get("to") in STATUSES else STATUS_OF_VERB[event["verb"]]
        changes.append(
            {
                "status": status,
                "effective_on": max(_effective_on(data, event["occurred_at"]), accreditation.valid_from),
                "reason": _reason(event["summary"]),
                **_recorded(event),
            }
        )
    if changes[-1]["status"] != accreditation.status:
        changes.append(
            {
                "status": accreditation.status,
                "effective_on": max(accreditation.status_changed_on, accreditation.valid_from),
                "reason": (accreditation.status_reason or REBUILT)[:500],
            }
        )
    return changes


def _effective_on(data, occurred_at):  # type: ignore[no-untyped-def]
    try:
        return dt.date.fromisoformat(str(data["on"])[:10])
    except (KeyError, ValueError):  # an event written without its day: the day it was recorded
        return timezone.localtime(occurred_at).date()


def _reason(summary):  # type: ignore[no-untyped-def]
    # "Habilitation suspendue : <motif>"
    reason = summary.split(" : ", 1)[1] if " : " in summary else summary
    return (reason.strip() or REBUILT)[:500]


def _recorded(event):  # type: ignore[no-untyped-def]
    if event is None:
        return {}
    return {"recorded_at": event["occurred_at"], "recorded_by_id": event["actor_id"]}


class Migration(migrations.Migration):
    dependencies = [
        ("accreditation", "0007_accreditation_status_changes"),
        ("audit", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(build_history, migrations.RunPython.noop)]
