"""Audit event types of imports (the files' own events say "import n° N" in their data)."""

from __future__ import annotations

from django.db import models


class ImportEvent(models.TextChoices):
    UPLOADED = "import.uploaded", "Fichier déposé pour import"
    CONFIRMED = "import.confirmed", "Import confirmé"
    APPLIED = "import.applied", "Import appliqué"
    NOT_APPLIED = "import.not_applied", "Import non appliqué"
    CANCELLED = "import.cancelled", "Import abandonné"
    BATCH_OPENED = "legacy.batch_opened", "Lot de reprise ouvert"
    BATCH_UNDONE = "legacy.batch_undone", "Lot de reprise annulé"
    BATCH_LIVE = "legacy.batch_live", "Lot de reprise mis en service"
