from __future__ import annotations

from django.apps import AppConfig


class LegacyConfig(AppConfig):
    name = "backoffice.core.legacy"
    label = "legacy"
    verbose_name = "Reprise de l'historique"
