"""An export of a scoped list, prepared in the background when the list is large."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

# The kinds and formats are the ground floor's (the domain lists name them); the job stores their values.
from backoffice.core.exports.kinds import ExportFormat, ExportKind

__all__ = ["ExportFormat", "ExportJob", "ExportKind", "ExportStatus", "export_path"]


class ExportStatus(models.TextChoices):
    PENDING = "pending", "En attente"
    RUNNING = "running", "En préparation"
    DONE = "done", "Prêt"
    FAILED = "failed", "Échec"


def export_path(job: ExportJob, filename: str) -> str:
    # A random name: the file is never served from its path, only through the requester's download view.
    return f"exports/{job.requested_by_id}/{secrets.token_hex(16)}.{job.format}"


class ExportJob(models.Model):
    """One export asked for by one person: the list, its filters, and once prepared, the file."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="demandé par", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField("liste", max_length=20, choices=ExportKind.choices)
    format = models.CharField("format", max_length=4, choices=ExportFormat.choices)
    filters = models.JSONField("filtres de la liste", default=dict, blank=True)
    status = models.CharField(
        "statut", max_length=10, choices=ExportStatus.choices, default=ExportStatus.PENDING
    )
    row_count = models.PositiveIntegerField("lignes", null=True, blank=True)
    file = models.FileField("fichier", upload_to=export_path, max_length=200, blank=True)
    created_at = models.DateTimeField("demandé le", default=timezone.now)
    started_at = models.DateTimeField("commencé le", null=True, blank=True)
    finished_at = models.DateTimeField("terminé le", null=True, blank=True)
    error = models.CharField("erreur", max_length=500, blank=True)

    class Meta:
        verbose_name = "export"
        verbose_name_plural = "exports"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["requested_by", "-created_at"], name="exportjob_requester_idx")]

    def __str__(self) -> str:
        return f"Export {self.get_kind_display()} ({self.get_format_display()}) du {self.created_at:%d/%m/%Y}"

    @property
    def is_ready(self) -> bool:
        return self.status == ExportStatus.DONE and bool(self.file)
