"""`check --deploy`: the SI CPF files must name Certif'Pro's own identifiers and public address, never the
demo's (a file with them passes our schema, the CDC would refuse it or point holders to nowhere)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Tags, Warning, register

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
