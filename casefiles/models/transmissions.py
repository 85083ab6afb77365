"""Transmissions to the training-account system (SI CPF, Caisse des Dépôts): one XML file of holders
("accrochage certificateur"), built by the worker, deposited by a person on the CDC's portal, then read back
from the CDC's processing receipt, holder by holder (casefiles.services.transmissions)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from .certificates import Certificate


class TransmissionStatus(models.TextChoices):
    BUILDING = "building", "En préparation"
    READY = "ready", "Prête à déposer"
    FAILED = "failed", "Non conforme (non proposée)"
    DEPOSITED = "deposited", "Déposée sur le portail de la CDC"
    PROCESSED = "processed", "Accusé de traitement reçu"
    ABANDONED = "abandoned", "Abandonnée (titulaires à transmettre de nouveau)"


class Transmission(models.Model):
    id_flux = models.CharField("identifiant du flux", max_length=50, unique=True)
    status = models.CharField(
        "statut", max_length=10, choices=TransmissionStatus.choices, default=TransmissionStatus.BUILDING
    )
    schema_version = models.CharField("version du schéma", max_length=10)
    file = models.FileField("fichier XML", upload_to="transmissions/", blank=True)
    file_name = models.CharField("nom du fichier", max_length=100, blank=True)
    passages = models.PositiveIntegerField("titulaires", default=0)
    written = models.PositiveIntegerField("titulaires écrits", default=0)
    accepted = models.PositiveIntegerField("acceptés", default=0)
    rejected = models.PositiveIntegerField("rejetés", default=0)
    problems = models.TextField("anomalies", blank=True)
    created_at = models.DateTimeField("demandée le", default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="demandée par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    built_at = models.DateTimeField("prête le", null=True, blank=True)
    deposited_at = models.DateTimeField("déposée le", null=True, blank=True)
    deposited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="déposée par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    receipt_at = models.DateTimeField("accusé reçu le", null=True, blank=True)
    receipt_name = models.CharField("accusé de traitement", max_length=200, blank=True)

    class Meta:
        verbose_name = "transmission au SI CPF"
        verbose_name_plural = "transmissions au SI CPF"
        ordering = ["-created_at", "-pk"]
        constraints = [
            # Two supervisors pressing the button together: one transmission is built, the other is told.
            models.UniqueConstraint(
                fields=["status"],
                condition=Q(status="building"),
                name="transmission_one_building",
            )
        ]

    def __str__(self) -> str:
        return f"Transmission {self.id_flux}"

    def get_absolute_url(self) -> str:
        return reverse("certificats:transmission", kwargs={"pk": self.pk})


class PassageOutcome(models.TextChoices):
    PENDING = "pending", "En attente de l'accusé"
    ACCEPTED = "accepted", "Accepté"
    REJECTED = "rejected", "Rejeté"


class Passage(models.Model):
    """One holder in one transmission (`passageCertification`): what was sent and what the CDC answered."""

    transmission = models.ForeignKey(
        Transmission, verbose_name="transmission", on_delete=models.CASCADE, related_name="passage_rows"
    )
    certificate = models.ForeignKey(
        Certificate, verbose_name="certificat", on_delete=models.PROTECT, related_name="passages"
    )
    id_technique = models.CharField("identifiant technique", max_length=60)
    # The identity sent (casefiles.rules.holders): a rejected holder is sent again once it changed.
    identity = models.CharField("empreinte de l'identité transmise", max_length=64)
    outcome = models.CharField(
        "résultat", max_length=10, choices=PassageOutcome.choices, default=PassageOutcome.PENDING
    )
    code = models.CharField("code de la CDC", max_length=60, blank=True)
    message = models.CharField("message de la CDC", max_length=500, blank=True)
    decided_at = models.DateTimeField("accusé le", null=True, blank=True)

    class Meta:
        verbose_name = "titulaire transmis"
        verbose_name_plural = "titulaires transmis"
        ordering = ["transmission", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["transmission", "certificate"], name="passage_unique"),
            models.UniqueConstraint(fields=["transmission", "id_technique"], name="passage_id_unique"),
        ]

    def __str__(self) -> str:
        return self.id_technique
