"""One import: the uploaded file, its checks (dry run), the user's confirmation and the outcome."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from backoffice.core.legacy.models import batch_field


class Contract(models.TextChoices):
    CANDIDATES = "candidates", "Candidat·es (ouverture de dossiers)"
    RESULTS = "results", "Résultats d'évaluation"
    ORGANISATIONS = "organisations", "Organismes et établissements"
    JURY_MEMBERS = "jury_members", "Membres de jury"
    ACCREDITATIONS = "habilitations", "Habilitations (reprise de l'historique)"
    HISTORICAL_CERTIFICATES = (
        "certificats_historiques",
        "Certificats délivrés avant la mise en service (reprise)",
    )


# The contracts that take over the old system's history: their imports belong to a migration batch.
LEGACY_CONTRACTS = (Contract.ACCREDITATIONS, Contract.HISTORICAL_CERTIFICATES)


class ImportStatus(models.TextChoices):
    VALIDATING = "validating", "Vérification en cours"
    VALIDATED = "validated", "Vérifié : à confirmer"
    REFUSED = "refused", "Fichier refusé"
    APPLYING = "applying", "Import en cours"
    APPLIED = "applied", "Importé"
    NOT_APPLIED = "not_applied", "Non importé (erreurs)"
    CANCELLED = "cancelled", "Abandonné"


def import_path(job: ImportJob, filename: str) -> str:
    # Never the uploaded name on disk: it may hold personal data or path tricks.
    return f"imports/{job.sha256[:2]}/{job.sha256}"


def report_path(job: ImportJob, filename: str) -> str:
    return f"imports/rapports/{job.pk}-{job.sha256[:16]}.csv"


class ImportJob(models.Model):
    contract = models.CharField("type de fichier", max_length=30, choices=Contract.choices)
    status = models.CharField(
        "état", max_length=12, choices=ImportStatus.choices, default=ImportStatus.VALIDATING
    )
    organisation = models.ForeignKey(
        "accreditation.Organisation",
        verbose_name="organisme",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="imports",
        help_text="L'organisme du déposant ; vide pour le personnel de Certif'Pro.",
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="déposé par", on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField("déposé le", default=timezone.now, db_index=True)
    file = models.FileField("fichier", upload_to=import_path, max_length=200)
    original_name = models.CharField("nom du fichier", max_length=200)
    size = models.PositiveBigIntegerField("taille (octets)")
    sha256 = models.CharField("empreinte SHA-256", max_length=64, db_index=True)
    description = models.CharField("format détecté", max_length=100, blank=True)
    file_error = models.CharField("motif du refus", max_length=1000, blank=True)
    progress = models.PositiveSmallIntegerField("avancement (%)", default=0)
    # The worker checking the file says it is alive; a stale heartbeat lets another one take over.
    claimed_by = models.CharField("vérifié par le processus", max_length=36, blank=True)
    heartbeat_at = models.DateTimeField("dernier signe de vie", null=True, blank=True)
    rows = models.PositiveIntegerField("lignes lues", default=0)
    new_rows = models.PositiveIntegerField("nouvelles", default=0)
    updated_rows = models.PositiveIntegerField("modifiées", default=0)
    unchanged_rows = models.PositiveIntegerField("inchangées", default=0)
    invalid_rows = models.PositiveIntegerField("en erreur", default=0)
    error_report = models.FileField("rapport d'erreurs", upload_to=report_path, max_length=200, blank=True)
    validated_at = models.DateTimeField("vérifié le", null=True, blank=True)
    skip_invalid = models.BooleanField("lignes en erreur écartées", default=False)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="confirmé par",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    confirmed_at = models.DateTimeField("confirmé le", null=True, blank=True)
    finished_at = models.DateTimeField("terminé le", null=True, blank=True)
    outcome = models.CharField("résultat", max_length=1000, blank=True)
    # An import of the takeover (any contract, run by the migration command or a supervisor): everything it
    # writes carries the batch, and its acts are dated in the past and marked « repris de l'ancien système ».
    legacy_batch = batch_field()

    class Meta:
        verbose_name = "import"
        verbose_name_plural = "imports"
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return f"Import n° {self.pk} ({self.get_contract_display()}, {self.original_name})"

    @property
    def is_running(self) -> bool:
        return self.status in (ImportStatus.VALIDATING, ImportStatus.APPLYING)


class ImportRowError(models.Model):
    """One problem of one row (the first ones, for the preview; the error report holds every row)."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="row_errors")
    line = models.PositiveIntegerField("ligne")
    column = models.CharField("colonne", max_length=50, blank=True)
    message = models.CharField("erreur", max_length=500)

    class Meta:
        verbose_name = "erreur de ligne"
        verbose_name_plural = "erreurs de lignes"
        ordering = ["job", "line", "id"]
        indexes = [models.Index(fields=["job", "line"], name="import_error_job_line_idx")]

    def __str__(self) -> str:
        return f"ligne {self.line} {self.column} : {self.message}"
