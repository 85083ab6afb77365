from __future__ import annotations

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "backoffice.api"
    label = "api"
    verbose_name = "API des organismes"

    def ready(self) -> None:
        from . import schema  # noqa: F401  (registers the API key scheme with drf-spectacular)
