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
    hint = "Renseignez l'identité de Certif'Pro telle qu'au registre (mentions des relevés)."
    problems = [
        Warning(f"{name} vaut encore la valeur de démonstration « {value} ».", hint=hint, id="fees.W001")
        for name, value in DEMO_ISSUER.items()
        if getattr(settings, name) == value
    ]
    problems += [
        Warning(f"{name} est vide : la mention manquerait sur les relevés.", hint=hint, id="fees.W002")
        for name in ("FEES_ISSUER_NAME", *DEMO_ISSUER)
        if not str(getattr(settings, name)).strip()
    ]
    if not 0 < settings.FEES_PAYMENT_DAYS <= 60:
        problems.append(
            Warning(
                f"FEES_PAYMENT_DAYS vaut {settings.FEES_PAYMENT_DAYS} : le délai de paiement entre "
                "professionnels va de 1 à 60 jours (Code de commerce, L441-10).",
                id="fees.W003",
            )
        )
    return problems
