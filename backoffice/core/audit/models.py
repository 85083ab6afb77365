from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import F, JSONField, TextField, Value
from django.db.models.functions import Cast, Replace
from django.utils import timezone


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete an audit event."""


class AuditEventQuerySet(models.QuerySet):
    def for_subject(self, subject: models.Model) -> AuditEventQuerySet:
        return self.filter(
            subject_type=ContentType.objects.get_for_model(subject, for_concrete_model=False),
            subject_id=str(subject.pk),
        )

    def update(self, **kwargs):  # type: ignore[no-untyped-def]
        raise AppendOnlyError("Le journal d'audit ne peut pas être modifié.")

    def delete(self):  # type: ignore[no-untyped-def]
        raise AppendOnlyError("Le journal d'audit ne peut pas être supprimé.")

    def redact(self, words: list[str], replacement: str) -> int:
        """The one change the trail allows (GDPR): a person's data at the end of its retention period is
        erased from the events' texts — label, summary, data — where `words` (names, e-mail) appear. Who did
        what, to which record and when stays. Longest words first, so a full name goes before its parts."""
        label: Any = F("subject_label")
        summary: Any = F("summary")
        data: Any = Cast("data", TextField())
        for word in sorted({w for w in words if w and w.strip()}, key=len, reverse=True):
            label = Replace(label, Value(word), Value(replacement))
            summary = Replace(summary, Value(word), Value(replacement))
            data = Replace(data, Value(word), Value(replacement))
        return models.QuerySet.update(
            self, subject_label=label, summary=summary, data=Cast(data, JSONField())
        )


class AuditEvent(models.Model):
    """One thing that happened to one record; the rows of a subject form its timeline."""

    occurred_at = models.DateTimeField("date", default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="auteur",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Kept so the trail stays readable after an account is deleted.
    actor_label = models.CharField("auteur (libellé)", max_length=150, blank=True)
    verb = models.CharField("événement", max_length=64, db_index=True)
    subject_type = models.ForeignKey(  # indexed by audit_subject_idx, which starts with it
        ContentType, verbose_name="type d'objet", on_delete=models.PROTECT, db_index=False
    )
    subject_id = models.CharField("identifiant de l'objet", max_length=64)
    subject_label = models.CharField("objet", max_length=255, blank=True)
    summary = models.CharField("résumé", max_length=500, blank=True)
    data = models.JSONField("données", default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = "événement d'audit"
        verbose_name_plural = "événements d'audit"
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["subject_type", "subject_id", "occurred_at"], name="audit_subject_idx")
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%d/%m/%Y %H:%M} {self.verb} {self.subject_label}"

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self.pk is not None:
            raise AppendOnlyError("Le journal d'audit ne peut pas être modifié.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise AppendOnlyError("Le journal d'audit ne peut pas être supprimé.")
