"""What the outcome figures are computed from: one row per case file with the facts a report counts, kept by
PostgreSQL as a materialised view refreshed by the scheduler (a plain view on the demo's SQLite)."""

from __future__ import annotations

from django.db import models

from accreditation.models import Region


class FileFact(models.Model):
    case_file_id = models.IntegerField(primary_key=True)
    region = models.ForeignKey(Region, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False)
    certification_id = models.IntegerField()
    organisation_id = models.IntegerField()
    opened_on = models.DateField()
    age = models.IntegerField()  # whole years reached on the day the file was opened
    sex = models.CharField(max_length=1)
    status = models.CharField(max_length=10)
    sector = models.CharField(max_length=100)
    is_certified = models.BooleanField()  # a certificate awarded and not revoked
    is_trained = models.BooleanField()  # at least one training plan

    class Meta:
        managed = False
        db_table = "dashboards_filefact"

    def __str__(self) -> str:
        return f"Dossier {self.case_file_id}"


class FactsRefresh(models.Model):
    """When a materialised view of the dashboards was last recomputed (the page tells its readers)."""

    view = models.CharField(max_length=63, primary_key=True)
    refreshed_at = models.DateTimeField()

    class Meta:
        verbose_name = "recalcul des faits"

    def __str__(self) -> str:
        return f"{self.view} ({self.refreshed_at:%d/%m/%Y %H:%M})"
