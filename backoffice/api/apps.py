from __future__ import annotations

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "backoffice.api"
    label = "api"
    verbose_name = "API des organismes"

    def ready(self) -> None:
        from . import checks, lots, schema  # noqa: F401  (the lots' receivers; the API key scheme for drf-spectacular)
