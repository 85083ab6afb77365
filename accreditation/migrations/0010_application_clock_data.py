"""Data: start the completeness check's clock of the applications already submitted (due at submission + the
check's days), and pause it for those waiting for information since their last request. Those waiting for an
answer to a request made before requests named their items get what it asks: the documents its event names,
else any document (its free-text message says which, none is required by name), and no section (the scope
stays frozen after the deadline)."""

import datetime as dt

from django.conf import settings
from django.db import migrations
from django.utils import timezone

# As they stood when this migration was written (ApplicationDocumentCategory, REQUESTABLE_SECTIONS).
DOCUMENTS = ("kbis", "qualiopi", "cv", "tools", "other")
REQUESTABLE_SECTIONS = ("identity", "sites", "qualiopi", "people", "methods")


def start_clocks(apps, schema_editor):
    Application = apps.get_model("accreditation", "AccreditationApplication")
    AuditEvent = apps.get_model("audit", "AuditEvent")
    ContentType = apps.get_model("contenttypes", "ContentType")
    kind = ContentType.objects.filter(app_label="accreditation", model="accreditationapplication").first()
    days = dt.timedelta(days=settings.APPLICATION_CHECK_DAYS)
    waiting = Application.objects.filter(
        status__in=["submitted", "info_req"], check_due_at__isnull=True, submitted_at__isnull=False
    )
    for application in waiting.iterator():
        application.check_due_at = application.submitted_at + days
        if application.status == "info_req":
            requested = AuditEvent.objects.filter(
                subject_type=kind, subject_id=str(application.pk), verb="application.information_requested"
            ).order_by("-occurred_at")
            last = requested.values_list("occurred_at", flat=True).first()
            application.clock_paused_at = last or timezone.now()
        application.save(update_fields=["check_due_at", "clock_paused_at"])
    for application in Application.objects.filter(status="info_req", requested={}).iterator():
        last = (
            AuditEvent.objects.filter(
                subject_type=kind, subject_id=str(application.pk), verb="application.information_requested"
            )
            .order_by("-occurred_at", "-id")
            .values_list("data", flat=True)
            .first()
        )
        application.requested = _requested_by(last)
        application.save(update_fields=["requested"])


def _requested_by(data):  # type: ignore[no-untyped-def]
    """What a request asked, from its event's data if it names documents, else any document."""
    named = data.get("requested") if isinstance(data, dict) else None
    named = named if isinstance(named, dict) else {}
    documents = [c for c in DOCUMENTS if c in (named.get("documents") or [])]
    if documents:
        return {
            "documents": documents,
            "sections": [s for s in REQUESTABLE_SECTIONS if s in (named.get("sections") or [])],
            "questions": [str(q) for q in named.get("questions") or [] if str(q).strip()],
        }
    return {"documents": list(DOCUMENTS), "sections": [], "questions": [], "documents_in_message": True}


class Migration(migrations.Migration):
    dependencies = [
        ("accreditation", "0009_application_request_items_and_clock"),
        ("audit", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(start_clocks, migrations.RunPython.noop)]
