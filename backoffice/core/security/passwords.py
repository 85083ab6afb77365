"""A password validator for the French words Django's (English) common-password list misses."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError

# Stems French users pick, compared once digits, punctuation and spaces are gone: "Azerty2024!" is "azerty".
FRENCH_COMMON_STEMS = frozenset(
    {
        "motdepasse",
        "azerty",
        "azertyuiop",
        "qsdfghjklm",
        "soleil",
        "bonjour",
        "bienvenue",
        "doudou",
        "chouchou",
        "loulou",
        "marseille",
        "paris",
        "france",
        "jetaime",
        "nicolas",
        "julien",
        "camille",
        "certifpro",
        "clea",
        "backoffice",
        "administrateur",
        "utilisateur",
        "changezmoi",
        "secret",
    }
)


class FrenchCommonPasswordValidator:
    def validate(self, password: str, user: Any = None) -> None:
        stem = re.sub(r"[\W\d_]+", "", password.lower())
        if stem in FRENCH_COMMON_STEMS:
            raise ValidationError(
                "Ce mot de passe repose sur un mot trop courant (« %(stem)s ») : "
                "choisissez une phrase de passe.",
                code="password_too_common",
                params={"stem": stem},
            )

    def get_help_text(self) -> str:
        return "Votre mot de passe ne peut pas être un mot courant suivi de chiffres ou de symboles."
