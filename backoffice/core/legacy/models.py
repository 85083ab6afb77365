"""A migration batch (« lot de reprise »): the files of one run of the migration, and all they wrote."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class BatchStatus(models.TextChoices):
    OPEN = "open", "En cours de reprise"
    LIVE = "live", "Mis en service"
    UNDONE = "undone", "Annulé"


class LegacyBatch(models.Model):
    """One run of the migration: its imports, and every record they created carry its id (`legacy_batch`)."""

    label = models.CharField("libellé", max_length=200)
    status = models.CharField("état", max_length=10, choices=BatchStatus.choices, default=BatchStatus.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="lancé par", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("lancé le", default=timezone.now)
    closed_at = models.DateTimeField("mis en service ou annulé le", null=True, blank=True)
    report = models.TextField("rapport", blank=True)

    class Meta:
        verbose_name = "lot de reprise"
        verbose_name_plural = "lots de reprise"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Lot de reprise n° {self.pk} ({self.label})"

    @property
    def can_be_undone(self) -> bool:
        return self.status == BatchStatus.OPEN


def batch_field() -> models.ForeignKey:
    """The batch that migrated a record (empty for a record made here)."""
    return models.ForeignKey(
        LegacyBatch,
        verbose_name="lot de reprise",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
