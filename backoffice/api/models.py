"""API keys of the organisations, the answers kept for idempotent retries, and the lots sent to the import
worker (docs/api.md)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class KeyScope(models.TextChoices):
    READ = "read", "Lecture"
    WRITE = "write", "Lecture et écriture"


class ApiKey(models.Model):
    """One key of one organisation: `clea_<prefix>_<secret>`, of which only the prefix and the secret's
    SHA-256 are kept. Its service account acts for it, so the services' checks and trail work unchanged."""

    organisation = models.ForeignKey(
        "accreditation.Organisation",
        verbose_name="organisme",
        on_delete=models.PROTECT,
        related_name="api_keys",
    )
    name = models.CharField("nom", max_length=100)
    prefix = models.CharField("préfixe", max_length=16, unique=True)
    secret_hash = models.CharField("empreinte SHA-256 du secret", max_length=64)
    scope = models.CharField("droits", max_length=5, choices=KeyScope.choices, default=KeyScope.READ)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="créée par", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("créée le", default=timezone.now)
    revoked_at = models.DateTimeField("révoquée le", null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="révoquée par",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    last_used_at = models.DateTimeField("dernière utilisation", null=True, blank=True)
    service_user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="compte de service",
        on_delete=models.PROTECT,
        related_name="api_key",
    )

    class Meta:
        verbose_name = "clé d'API"
        verbose_name_plural = "clés d'API"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Clé d'API « {self.name} » ({self.prefix})"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def may_write(self) -> bool:
        return self.scope == KeyScope.WRITE


class IdempotentRequest(models.Model):
    """The first answer to a POST or PATCH sent with an `Idempotency-Key`: a retry gets it again (24 h)."""

    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="+")
    key = models.CharField("clé d'idempotence", max_length=255)
    method = models.CharField("méthode", max_length=7)
    path = models.CharField("chemin", max_length=500)
    body_sha256 = models.CharField("empreinte SHA-256 du corps", max_length=64)
    status = models.PositiveSmallIntegerField("code de réponse")
    response_body = models.JSONField("réponse", null=True, blank=True)
    location = models.CharField("en-tête Location", max_length=500, blank=True)
    created_at = models.DateTimeField("reçue le", default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "requête idempotente"
        verbose_name_plural = "requêtes idempotentes"
        constraints = [
            models.UniqueConstraint(fields=["api_key", "key"], name="api_idempotent_key_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} ({self.key})"


class LotKind(models.TextChoices):
    CASE_FILES = "dossiers", "Dossiers (candidat·es)"
    RESULTS = "evaluations", "Évaluations (résultats)"


class BulkSubmission(models.Model):
    """A lot of more items than an answer waits for: an import of the organisation, checked and applied by
    the import worker; its answer per item is kept here once done."""

    api_key = models.ForeignKey(ApiKey, verbose_name="clé", on_delete=models.PROTECT, related_name="lots")
    kind = models.CharField("type", max_length=12, choices=LotKind.choices)
    import_job = models.OneToOneField(
        "imports.ImportJob",
        verbose_name="import",
        on_delete=models.PROTECT,
        related_name="api_lot",
    )
    items = models.PositiveIntegerField("éléments")
    set_aside = models.JSONField(
        "éléments refusés avant l'import", default=list, blank=True, help_text="leurs rangs, hors du fichier"
    )
    results = models.JSONField("résultat par élément", default=list, blank=True)
    failure = models.CharField("motif de l'échec", max_length=1000, blank=True)
    created_at = models.DateTimeField("reçu le", default=timezone.now)
    finished_at = models.DateTimeField("terminé le", null=True, blank=True)

    class Meta:
        verbose_name = "lot de l'API"
        verbose_name_plural = "lots de l'API"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Lot n° {self.pk} ({self.get_kind_display()})"
