"""`check --deploy`: the SI CPF files must name Certif'Pro's own identifiers and public address, never the
demo's (a file with them passes our schema, the CDC would refuse it or point holders to nowhere)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Tags, Warning, register

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
