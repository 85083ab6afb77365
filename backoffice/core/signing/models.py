from __future__ import annotations

from django.db import models
from django.utils import timezone


class SignedKind(models.TextChoices):
    CERTIFICATE = "certificate", "Certificat"
    DUPLICATE = "duplicate", "Duplicata de certificat"
    MINUTES = "minutes", "Procès-verbal de jury"
    DECISION_LETTER = "decision_letter", "Lettre de décision d'habilitation"
    STATEMENT = "statement", "Attestation des acquis"
    FEE_STATEMENT = "fee_statement", "Relevé de redevances"


class SignedDocument(models.Model):
    """One PDF as Certif'Pro signed it, known by the SHA-256 of its signed bytes: the verifier names the
    document a file is (a PDF signed by us but changed since has another hash, and is not found)."""

    sha256 = models.CharField("empreinte SHA-256", max_length=64, unique=True)
    kind = models.CharField("type", max_length=20, choices=SignedKind.choices)
    # The certificate's number, the jury session's or the application's key: what the document is about.
    reference = models.CharField("référence", max_length=100, db_index=True)
    label = models.CharField("libellé", max_length=200)
    signed_at = models.DateTimeField("signé le", default=timezone.now)
    signer_subject = models.CharField("signataire", max_length=300)

    class Meta:
        verbose_name = "document signé"
        verbose_name_plural = "documents signés"
        ordering = ["-signed_at"]

    def __str__(self) -> str:
        return self.label
