"""Reference data: territories, certifications and their versioned frameworks."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class Region(models.Model):
    code = models.CharField("code", max_length=3, unique=True, help_text="Code court (IDF, ARA…)")
    insee_code = models.CharField("code INSEE", max_length=2, unique=True)
    name = models.CharField("nom", max_length=100)

    class Meta:
        verbose_name = "région"
        verbose_name_plural = "régions"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    code = models.CharField("code INSEE", max_length=3, unique=True)
    name = models.CharField("nom", max_length=100)
    region = models.ForeignKey(
        Region, verbose_name="région", on_delete=models.PROTECT, related_name="departments"
    )

    class Meta:
        verbose_name = "département"
        verbose_name_plural = "départements"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"


class Certification(models.Model):
    code = models.CharField("code", max_length=16, unique=True)
    name = models.CharField("nom", max_length=100)
    number_prefix = models.CharField("préfixe des numéros de certificat", max_length=16, unique=True)
    rs_code = models.CharField("code RS (France Compétences)", max_length=16, blank=True)
    rs_valid_until = models.DateField("fin d'enregistrement au RS", null=True, blank=True)
    trainer_accreditation_required = models.BooleanField(
        "habilitation des organismes de formation requise", default=False
    )

    class Meta:
        verbose_name = "certification"
        verbose_name_plural = "certifications"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class FrameworkStatus(models.TextChoices):
    DRAFT = "draft", "Brouillon"
    PUBLISHED = "published", "Publié"
    SUPERSEDED = "superseded", "Remplacé"


class FrameworkVersion(models.Model):
    """One version of a certification's framework; case files keep the version they were assessed on."""

    certification = models.ForeignKey(
        Certification,
        verbose_name="certification",
        on_delete=models.PROTECT,
        related_name="framework_versions",
    )
    version = models.CharField("version", max_length=20)
    label = models.CharField("libellé", max_length=200)
    status = models.CharField(
        "statut", max_length=12, choices=FrameworkStatus.choices, default=FrameworkStatus.DRAFT
    )
    published_at = models.DateTimeField("publié le", null=True, blank=True)

    class Meta:
        verbose_name = "version de référentiel"
        verbose_name_plural = "versions de référentiel"
        ordering = ["certification__code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["certification", "version"], name="framework_version_unique"),
            models.UniqueConstraint(
                fields=["certification"],
                condition=models.Q(status="published"),
                name="framework_one_published_per_certification",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.get_status_display().lower()})"

    @property
    def is_editable(self) -> bool:
        return self.status == FrameworkStatus.DRAFT


class FrozenIfPublished(models.Model):
    """Parts of a published framework never change: assessed files depend on them."""

    class Meta:
        abstract = True

    def framework(self) -> FrameworkVersion:
        raise NotImplementedError

    def clean(self) -> None:
        super().clean()
        try:
            framework = self.framework()
        except ObjectDoesNotExist:  # no parent chosen yet: the required field says so
            return
        if not framework.is_editable:
            raise ValidationError(
                "Cette version du référentiel est publiée : elle ne peut plus être modifiée. "
                "Créez un nouveau brouillon à partir d'elle."
            )


class Domain(FrozenIfPublished):
    framework_version = models.ForeignKey(
        FrameworkVersion,
        verbose_name="version de référentiel",
        on_delete=models.CASCADE,
        related_name="domains",
    )
    code = models.CharField("code", max_length=10)
    label = models.CharField("libellé", max_length=300)
    to_confirm = models.BooleanField("libellé à confirmer", default=False)
    position = models.PositiveSmallIntegerField("ordre", default=0)

    class Meta:
        verbose_name = "domaine"
        verbose_name_plural = "domaines"
        ordering = ["framework_version", "position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["framework_version", "code"], name="domain_code_unique")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.label}"

    def framework(self) -> FrameworkVersion:
        return self.framework_version


class SubDomain(FrozenIfPublished):
    domain = models.ForeignKey(
        Domain, verbose_name="domaine", on_delete=models.CASCADE, related_name="subdomains"
    )
    code = models.CharField("code", max_length=10)
    label = models.CharField("libellé", max_length=300)
    to_confirm = models.BooleanField("libellé à confirmer", default=False)
    position = models.PositiveSmallIntegerField("ordre", default=0)
    threshold_pct = models.PositiveSmallIntegerField(
        "seuil de validation (%)",
        default=75,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="Part des critères à satisfaire pour valider le sous-domaine.",
    )
    mandatory_criterion = models.ForeignKey(
        "Criterion",
        verbose_name="critère obligatoire",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "sous-domaine"
        verbose_name_plural = "sous-domaines"
        ordering = ["domain__position", "position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["domain", "code"], name="subdomain_code_unique"),
            models.CheckConstraint(
                condition=models.Q(threshold_pct__gte=1, threshold_pct__lte=100),
                name="subdomain_threshold_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.label}"

    def framework(self) -> FrameworkVersion:
        return self.domain.framework_version

    def clean(self) -> None:
        super().clean()
        mandatory = self.mandatory_criterion if self.mandatory_criterion_id else None
        if mandatory is not None and mandatory.subdomain_id != self.pk:
            raise ValidationError(
                {"mandatory_criterion": "Le critère obligatoire doit appartenir à ce sous-domaine."}
            )


class Criterion(FrozenIfPublished):
    subdomain = models.ForeignKey(
        SubDomain, verbose_name="sous-domaine", on_delete=models.CASCADE, related_name="criteria"
    )
    code = models.CharField("code", max_length=12)
    label = models.CharField("libellé", max_length=400)
    to_confirm = models.BooleanField("libellé à confirmer", default=False)
    position = models.PositiveSmallIntegerField("ordre", default=0)

    class Meta:
        verbose_name = "critère"
        verbose_name_plural = "critères"
        ordering = ["subdomain", "position", "code"]
        constraints = [models.UniqueConstraint(fields=["subdomain", "code"], name="criterion_code_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.label}"

    def framework(self) -> FrameworkVersion:
        return self.subdomain.domain.framework_version
