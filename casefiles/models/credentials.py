"""The machine-verifiable side of a certificate (casefiles/credentials, docs/certificates.md): its Open Badges
3.0 credential (a VC-JWT) and the revocation status lists (W3C Bitstring Status List) anyone can check."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone

from accreditation.models import Certification

from .certificates import Certificate

STATUS_LIST_SIZE = 131_072  # bits: the recommendation's minimum, so that one entry hides among many


class StatusList(models.Model):
    """One revocation list of one certification. An entry's index is given once and never again: the
    `sequence`-th certificate of the list gets `(multiplier * sequence + offset) % size` (multiplier odd and
    size a power of two: a permutation), so indexes look random (no order of issuance to read) without a
    search for a free one. A full list is followed by the next `number`."""

    certification = models.ForeignKey(
        Certification, verbose_name="certification", on_delete=models.PROTECT, related_name="+"
    )
    number = models.PositiveIntegerField("numéro")
    size = models.PositiveIntegerField("entrées", default=STATUS_LIST_SIZE)
    multiplier = models.PositiveIntegerField()
    offset = models.PositiveIntegerField()
    allocated = models.PositiveIntegerField("entrées attribuées", default=0)
    # The signed status list credential as last published, and whether a status changed since.
    jwt = models.TextField("liste signée (VC-JWT)", blank=True)
    published_at = models.DateTimeField("publiée le", null=True, blank=True)
    stale = models.BooleanField("à republier", default=True)

    class Meta:
        verbose_name = "liste de statuts"
        verbose_name_plural = "listes de statuts"
        constraints = [
            models.UniqueConstraint(fields=["certification", "number"], name="status_list_unique"),
            models.CheckConstraint(
                condition=models.Q(allocated__lte=models.F("size")), name="status_list_room"
            ),
        ]

    def __str__(self) -> str:
        return f"Liste de statuts {self.certification_id}/{self.number}"

    def index_of(self, sequence: int) -> int:
        return (self.multiplier * sequence + self.offset) % self.size


class Credential(models.Model):
    """The Open Badges 3.0 credential of one certificate, signed once (VC-JWT) and kept as issued."""

    certificate = models.OneToOneField(
        Certificate, verbose_name="certificat", on_delete=models.PROTECT, related_name="credential"
    )
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    status_list = models.ForeignKey(StatusList, on_delete=models.PROTECT, related_name="credentials")
    status_index = models.PositiveIntegerField("entrée de la liste de statuts")
    jwt = models.TextField("attestation signée (VC-JWT)")
    key_id = models.CharField("clé de signature", max_length=200)
    issued_at = models.DateTimeField("émise le", default=timezone.now)

    class Meta:
        verbose_name = "attestation numérique"
        verbose_name_plural = "attestations numériques"
        constraints = [
            models.UniqueConstraint(
                fields=["status_list", "status_index"], name="credential_status_entry_unique"
            )
        ]

    def __str__(self) -> str:
        return f"Attestation {self.uuid}"
