"""What the outcome figures are computed from: one row per case file with the facts a report counts, kept by
PostgreSQL as a materialised view refreshed by the scheduler (a plain view on the demo's SQLite)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from accreditation.models import Certification, Region, Site


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
    funding = models.CharField(max_length=20)  # a code of `casefiles.Funding`, "" when not recorded
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


class OpenTask(models.Model):
    """One open task of the candidate pathway (new, assigned, started) with its file's certification and
    evaluation site: the backlog's aggregate reads these 75,000 narrow rows instead of joining 8.6 million
    tasks to their files. Kept at write time by PostgreSQL triggers on `viewflow_task` and
    `casefiles_casefile` (migration 0003), whatever writes them — Viewflow, the services, bulk imports; on
    SQLite (the demo) the triggers do not exist and the backlog counts the tasks themselves."""

    id = models.BigIntegerField(primary_key=True)  # the task's
    flow_task = models.CharField(max_length=255)
    process_id = models.BigIntegerField(db_index=True)
    created = models.DateTimeField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    case_file_id = models.BigIntegerField(null=True)
    certification = models.ForeignKey(
        Certification, null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    evaluation_site = models.ForeignKey(
        Site, null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )

    class Meta:
        verbose_name = "tâche ouverte (stocks)"

    def __str__(self) -> str:
        return f"Tâche {self.pk}"
