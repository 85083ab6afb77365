"""Organisations, their establishments (SIRET) and their accreditations."""

from __future__ import annotations

import datetime as dt
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Coalesce
from django.utils import timezone

from backoffice.core.legacy.models import batch_field

from ..validators import (
    department_of_postcode,
    normalise_number,
    validate_nda,
    validate_postcode,
    validate_siren,
    validate_siret,
)
from .reference import Certification, Department, Region


class Organisation(models.Model):
    siren = models.CharField("SIREN", max_length=9, unique=True, validators=[validate_siren])
    legal_name = models.CharField("raison sociale", max_length=200)
    nda = models.CharField(
        "numéro de déclaration d'activité", max_length=11, blank=True, validators=[validate_nda]
    )
    created_at = models.DateTimeField("créé le", default=timezone.now, editable=False)
    legacy_batch = batch_field()

    class Meta:
        verbose_name = "organisme"
        verbose_name_plural = "organismes"
        ordering = ["legal_name"]

    def __str__(self) -> str:
        return self.legal_name

    def clean_fields(self, exclude: object = None) -> None:
        # People type "732 829 320": drop the separators before the length and checksum checks.
        self.siren = normalise_number(self.siren)
        self.nda = normalise_number(self.nda)
        super().clean_fields(exclude=exclude)  # type: ignore[arg-type]


class Site(models.Model):
    """An establishment of an organisation, identified by its SIRET; fees and accreditations are per site."""

    organisation = models.ForeignKey(
        Organisation, verbose_name="organisme", on_delete=models.PROTECT, related_name="sites"
    )
    siret = models.CharField("SIRET", max_length=14, unique=True, validators=[validate_siret])
    name = models.CharField("nom de l'établissement", max_length=200)
    address = models.CharField("adresse", max_length=300)
    postcode = models.CharField("code postal", max_length=5, validators=[validate_postcode])
    city = models.CharField("commune", max_length=100)
    department = models.ForeignKey(
        Department, verbose_name="département", on_delete=models.PROTECT, related_name="sites"
    )
    # Derived from the department; stored because every regional list filters on it.
    region = models.ForeignKey(Region, verbose_name="région", on_delete=models.PROTECT, related_name="sites")
    departments_covered = models.ManyToManyField(
        Department, verbose_name="départements couverts", blank=True, related_name="covering_sites"
    )
    legacy_batch = batch_field()

    class Meta:
        verbose_name = "établissement"
        verbose_name_plural = "établissements"
        ordering = ["organisation__legal_name", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.siret})"

    def clean_fields(self, exclude: object = None) -> None:
        self.siret = normalise_number(self.siret)
        self.postcode = (self.postcode or "").strip()
        super().clean_fields(exclude=exclude)  # type: ignore[arg-type]

    def clean(self) -> None:
        super().clean()
        if self.organisation_id and self.siret[:9] != self.organisation.siren:
            raise ValidationError(
                {"siret": f"Le SIRET doit commencer par le SIREN de l'organisme ({self.organisation.siren})."}
            )
        if self.department_id:
            self.region_id = self.department.region_id
            well_formed = re.fullmatch(r"\d{5}", self.postcode) is not None
            if well_formed and department_of_postcode(self.postcode) != self.department.code:
                raise ValidationError(
                    {
                        "postcode": f"Le code postal {self.postcode} ne correspond pas "
                        f"au département {self.department}."
                    }
                )


class AccreditationRole(models.TextChoices):
    EVALUATOR = "evaluator", "Évaluateur"
    TRAINER = "trainer", "Formateur"


class AccreditationStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    SUSPENDED = "suspended", "Suspendue"
    WITHDRAWN = "withdrawn", "Retirée"
    EXPIRED = "expired", "Expirée"


# A suspension or a withdrawal from day S takes the rights away from S on. An expiry never does: it is the end
# of the validity period, which the period itself already says (acts dated within it stay valid).
BLOCKING_STATUSES = (AccreditationStatus.SUSPENDED, AccreditationStatus.WITHDRAWN)


class AccreditationQuerySet(models.QuerySet):
    def in_force(self, on: dt.date | None = None) -> AccreditationQuerySet:
        """Accreditations that gave rights on that day (today by default): within their validity period,
        and neither suspended nor withdrawn as they stood on that day."""
        on = on or timezone.localdate()
        return (
            self.filter(valid_from__lte=on, valid_to__gte=on)
            .alias(status_on_day=status_on(on))
            .exclude(status_on_day__in=BLOCKING_STATUSES)
        )


def status_on(day: dt.date) -> models.Case:
    """An accreditation's status on `day`, as an SQL expression: its current status if it was set on or
    before that day, else the last dated change effective on or before it (active when none was recorded:
    rows older than the history, or granted outside the services)."""
    last_change = (
        AccreditationStatusChange.objects.filter(accreditation=models.OuterRef("pk"), effective_on__lte=day)
        .order_by("-effective_on", "-recorded_at", "-pk")
        .values("status")[:1]
    )
    return models.Case(
        models.When(status_changed_on__lte=day, then=models.F("status")),
        default=Coalesce(
            models.Subquery(last_change, output_field=models.CharField()),
            models.Value(AccreditationStatus.ACTIVE.value),
        ),
        output_field=models.CharField(),
    )


class Accreditation(models.Model):
    """The right of one site to assess or train for one certification, for a period."""

    site = models.ForeignKey(
        Site, verbose_name="établissement", on_delete=models.PROTECT, related_name="accreditations"
    )
    certification = models.ForeignKey(
        Certification, verbose_name="certification", on_delete=models.PROTECT, related_name="accreditations"
    )
    role = models.CharField("rôle", max_length=10, choices=AccreditationRole.choices)
    valid_from = models.DateField("valide du")
    valid_to = models.DateField("valide jusqu'au")
    status = models.CharField(
        "statut", max_length=10, choices=AccreditationStatus.choices, default=AccreditationStatus.ACTIVE
    )
    status_changed_on = models.DateField("statut modifié le", default=timezone.localdate)
    status_reason = models.CharField("motif du statut", max_length=500, blank=True)
    legacy_batch = batch_field()

    objects = AccreditationQuerySet.as_manager()

    class Meta:
        verbose_name = "habilitation"
        verbose_name_plural = "habilitations"
        ordering = ["site", "certification", "role", "-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_to__gt=models.F("valid_from")), name="accreditation_period"
            ),
        ]
        indexes = [models.Index(fields=["site", "certification", "role"], name="accreditation_scope_idx")]

    def __str__(self) -> str:
        return f"{self.certification} – {self.get_role_display()} – {self.site.name}"

    def overlapping(self) -> AccreditationQuerySet:
        """Other live accreditations of the same site × certification × role whose period overlaps."""
        return (
            Accreditation.objects.filter(
                site_id=self.site_id,
                certification_id=self.certification_id,
                role=self.role,
                valid_from__lte=self.valid_to,
                valid_to__gte=self.valid_from,
            )
            .exclude(status=AccreditationStatus.WITHDRAWN)
            .exclude(pk=self.pk)
        )

    def clean(self) -> None:
        super().clean()
        if self.valid_from and self.valid_to and self.valid_to <= self.valid_from:
            raise ValidationError({"valid_to": "La fin de validité doit être postérieure au début."})
        complete = self.site_id and self.certification_id and self.valid_from and self.valid_to
        if complete and self.status != AccreditationStatus.WITHDRAWN and self.overlapping().exists():
            raise ValidationError(
                "Une habilitation de cet établissement pour cette certification et ce rôle couvre déjà "
                "tout ou partie de cette période."
            )


class AccreditationStatusChange(models.Model):
    """One dated change of an accreditation's status (granted active, suspended, reinstated, withdrawn,
    expired): what its status was on any past day is read from these rows."""

    accreditation = models.ForeignKey(
        Accreditation, verbose_name="habilitation", on_delete=models.CASCADE, related_name="status_changes"
    )
    status = models.CharField("statut", max_length=10, choices=AccreditationStatus.choices)
    effective_on = models.DateField("effectif le")
    reason = models.CharField("motif", max_length=500, blank=True)
    recorded_at = models.DateTimeField("enregistré le", default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="enregistré par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "changement de statut d'habilitation"
        verbose_name_plural = "changements de statut d'habilitation"
        ordering = ["accreditation", "effective_on", "recorded_at", "pk"]
        indexes = [models.Index(fields=["accreditation", "effective_on"], name="accreditation_status_on_idx")]

    def __str__(self) -> str:
        return f"{self.get_status_display()} le {self.effective_on:%d/%m/%Y}"
