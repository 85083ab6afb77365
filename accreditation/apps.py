from __future__ import annotations

from django.apps import AppConfig


class AccreditationConfig(AppConfig):
    name = "accreditation"
    verbose_name = "Référentiels, organismes et habilitations"
