"""`check --deploy`: the statements' issuer is Certif'Pro as registered, never the demo's placeholders (a
statement printed with them would not be a valid invoice)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Tags, Warning, register

DEMO_ISSUER = {
    "FEES_ISSUER_ADDRESS": "10 rue de l'Exemple, 75009 Paris",
    "FEES_ISSUER_SIREN": "123456782",
    "FEES_ISSUER_VAT_NUMBER": "FR11123456782",
}


@register(Tags.compatibility, deploy=True)
def issuer_settings(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    return [
        Warning(
            f"{name} vaut encore la valeur de démonstration « {value} ».",
            hint="Renseignez l'identité de Certif'Pro telle qu'au registre (mentions des relevés).",
            id="fees.W001",
        )
        for name, value in DEMO_ISSUER.items()
        if getattr(settings, name) == value
    ]
