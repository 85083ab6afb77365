from __future__ import annotations

from django.apps import AppConfig


class FeesConfig(AppConfig):
    name = "backoffice.fees"
    label = "fees"
    verbose_name = "Redevances"

    def ready(self) -> None:
        from . import documents  # noqa: F401  (declares the statements' PDFs to the signing module)
