"""Certificates awarded by a jury and issued by Certif'Pro, numbered per certification, year and region."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Upper
from django.urls import reverse
from django.utils import timezone

from accreditation.models import Certification, Region
from backoffice.core.legacy.models import batch_field

from .files import CaseFile
from .juries import JurySession


class CertificateCounter(models.Model):
    """The last number given for one prefix, year and region; locked while a number is taken (no gap)."""

    prefix = models.CharField(max_length=16)
    year = models.PositiveSmallIntegerField()
    region_code = models.CharField(max_length=5)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["prefix", "year", "region_code"], name="certificate_counter_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}-{self.region_code}: {self.last_number}"


class CertificateStatus(models.TextChoices):
    PENDING = "pending", "En cours d'édition"
    ISSUED = "issued", "Délivré"
    REVOKED = "revoked", "Retiré"


class CdcStatus(models.TextChoices):
    """Where the holder stands with the training-account system (SI CPF of the Caisse des Dépôts)."""

    TO_SEND = "to_send", "À transmettre"
    SENT = "sent", "Transmis, en attente de l'accusé"
    ACCEPTED = "accepted", "Accepté par la CDC"
    REJECTED = "rejected", "Rejeté par la CDC"


class Certificate(models.Model):
    case_file = models.OneToOneField(
        CaseFile, verbose_name="dossier", on_delete=models.PROTECT, related_name="certificate"
    )
    number = models.CharField("numéro", max_length=40, unique=True)
    certification = models.ForeignKey(
        Certification, verbose_name="certification", on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey(Region, verbose_name="région", on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey(
        JurySession, verbose_name="session de jury", on_delete=models.PROTECT, related_name="certificates"
    )
    # A copy of the holder's name as printed: the certificate stays verifiable after the file is purged.
    holder_last_name = models.CharField("nom du titulaire", max_length=100)
    holder_first_name = models.CharField("prénom du titulaire", max_length=100)
    awarded_on = models.DateField("attribué le")
    status = models.CharField(
        "statut", max_length=10, choices=CertificateStatus.choices, default=CertificateStatus.PENDING
    )
    pdf = models.FileField("certificat (PDF)", upload_to="certificats/", blank=True)
    issued_at = models.DateTimeField("délivré le", null=True, blank=True)
    duplicates = models.PositiveSmallIntegerField("duplicatas délivrés", default=0)
    revoked_at = models.DateTimeField("retiré le", null=True, blank=True)
    revocation_reason = models.CharField("motif du retrait", max_length=500, blank=True)
    exported_at = models.DateTimeField("transmis le", null=True, blank=True)
    # The training-account system (casefiles.services.transmissions): the last answer of the CDC, and when.
    cdc_status = models.CharField(  # `db_default`: the bulk paths (COPY) write rows without it
        "accrochage CPF",
        max_length=10,
        choices=CdcStatus.choices,
        default=CdcStatus.TO_SEND,
        db_default=CdcStatus.TO_SEND,
    )
    cdc_status_at = models.DateTimeField("accrochage CPF : depuis le", null=True, blank=True)
    cdc_message = models.CharField(
        "accrochage CPF : message de la CDC", max_length=500, blank=True, default="", db_default=""
    )
    # A revoked certificate the CDC had accepted is withdrawn there by hand (the schema has no deletion).
    cdc_removed_at = models.DateTimeField("retiré du SI CPF le", null=True, blank=True)
    # The holder's private page (casefiles/credentials/holder.py): its link is derived from the secret key and
    # this nonce, never stored; a new nonce (the link sent again) ends the earlier links.
    holder_link_nonce = models.CharField(max_length=32, blank=True, default="", db_default="", editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    legacy_batch = batch_field()

    class Meta:
        verbose_name = "certificat"
        verbose_name_plural = "certificats"
        ordering = ["-awarded_on", "-number"]
        indexes = [
            models.Index(fields=["exported_at", "awarded_on"], name="certificate_export_idx"),
            models.Index(fields=["cdc_status", "awarded_on"], name="certificate_cdc_idx"),
            # A number is never given twice, whatever its case (the takeover compares numbers in capitals).
            models.Index(Upper("number"), name="certificate_number_upper_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("certificats:detail", kwargs={"pk": self.pk})

    @property
    def holder(self) -> str:
        return f"{self.holder_first_name} {self.holder_last_name.upper()}"
