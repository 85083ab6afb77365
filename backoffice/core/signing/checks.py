"""`check --deploy`: the documents and the credentials are signed with a key that can be read, that is not the
demo's self-signed one, and that does not expire unnoticed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured

from .keys import is_self_signed, signer_certificate, signing_configured

EXPIRY_WARNING = dt.timedelta(days=60)


@register(Tags.security, deploy=True)
def signing_keys(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    problems = _pdf_signing()
    if not settings.CREDENTIAL_KEY_PATHS:
        problems.append(
            Warning(
                "CREDENTIAL_KEY_PATHS est vide : les attestations numériques (Open Badges) et les listes de "
                "statuts ne peuvent pas être signées.",
                hint="Indiquez les fichiers JWK des clés, la clé en cours d'abord (docs/certificates.md).",
                id="signing.W004",
            )
        )
    return problems


def _pdf_signing() -> list[CheckMessage]:
    if not signing_configured():
        return [
            Warning(
                "SIGNING_PKCS12_PATH n'est pas renseigné : les PDF (certificats, procès-verbaux, lettres de "
                "décision) sont délivrés sans signature.",
                hint="Indiquez le fichier PKCS#12 du certificat de cachet et son mot de passe "
                "(SIGNING_PKCS12_PASSWORD).",
                id="signing.W001",
            )
        ]
    try:
        certificate = signer_certificate()
    except ImproperlyConfigured as unreadable:
        return [Error(str(unreadable), hint="Aucun PDF ne pourrait être délivré.", id="signing.E001")]
    problems: list[CheckMessage] = []
    if is_self_signed(certificate):
        problems.append(
            Warning(
                "Le certificat de signature est auto-signé (démonstration) : les signatures prouvent "
                "l'intégrité des documents, pas leur émetteur.",
                hint="En production, un certificat de cachet délivré par un prestataire de confiance.",
                id="signing.W002",
            )
        )
    remaining = certificate.not_valid_after_utc - dt.datetime.now(dt.UTC)
    if remaining < EXPIRY_WARNING:
        problems.append(
            Warning(
                f"Le certificat de signature expire le {certificate.not_valid_after_utc:%d/%m/%Y}"
                + (" : il a expiré." if remaining.total_seconds() < 0 else "."),
                hint="Renouvelez-le auprès du prestataire, puis remplacez le fichier PKCS#12 "
                "(docs/certificates.md).",
                id="signing.W003",
            )
        )
    return problems
