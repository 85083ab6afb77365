"""`check --deploy`: the SI CPF files must name Certif'Pro's own identifiers and public address, never the
demo's (a file with them passes our schema, the CDC would refuse it or point holders to nowhere)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

from casefiles.cdc.formats import schema_path

DEMO_CDC_IDS = {"CDC_ID_CLIENT": "DEMO0001", "CDC_ID_CONTRAT": "DEMO-CONTRAT"}


@register(Tags.compatibility, deploy=True)
def cdc_settings(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    problems = [
        Warning(
            f"{name} vaut encore la valeur de démonstration « {value} ».",
            hint="Renseignez l'identifiant reçu de la Caisse des Dépôts (portail des certificateurs).",
            id="casefiles.W001",
        )
        for name, value in DEMO_CDC_IDS.items()
        if getattr(settings, name) == value
    ]
    if len(settings.CDC_ID_CLIENT) != 8:
        problems.append(
            Warning(
                f"CDC_ID_CLIENT « {settings.CDC_ID_CLIENT} » n'a pas 8 caractères : la CDC refuserait "
                "chaque fichier.",
                id="casefiles.W003",
            )
        )
    try:
        schema_path("accrochage", settings.CDC_SCHEMA_VERSION)
    except ValueError:
        problems.append(
            Warning(
                f"Aucun schéma de la CDC pour la version « {settings.CDC_SCHEMA_VERSION} » "
                "(casefiles/cdc/schemas/) : aucune transmission ne pourrait être préparée.",
                id="casefiles.W004",
            )
        )
    if "127.0.0.1" in settings.PUBLIC_BASE_URL or "localhost" in settings.PUBLIC_BASE_URL:
        problems.append(
            Warning(
                f"PUBLIC_BASE_URL vaut « {settings.PUBLIC_BASE_URL} » : les certificats et le SI CPF "
                "pointeraient vers une adresse locale.",
                hint="Indiquez l'adresse publique du back-office (https://…).",
                id="casefiles.W002",
            )
        )
    return problems


@register(Tags.security)
def credential_keys(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """The credentials' keys, when configured, must be readable and the first one private: a web process
    that cannot sign would leave the status lists behind a revocation (they are then not served)."""
    from casefiles.credentials.keys import KeyConfigurationError, credential_keys

    if not settings.CREDENTIAL_KEY_PATHS:
        return []
    try:
        keys = credential_keys()
    except KeyConfigurationError as error:
        return [Error(str(error), hint="Vérifiez CREDENTIAL_KEY_PATHS (fichiers JWK).", id="casefiles.E001")]
    if not keys[0].key.is_private:
        return [
            Error(
                "La première clé de CREDENTIAL_KEY_PATHS n'est pas privée : aucune attestation ne peut être "
                "signée.",
                hint="Placez en premier la clé privée en service ; les clés antérieures peuvent être "
                "publiques.",
                id="casefiles.E002",
            )
        ]
    return []
