from __future__ import annotations

from django.apps import AppConfig


class FeesConfig(AppConfig):
    name = "backoffice.fees"
    label = "fees"
    verbose_name = "Redevances"

    def ready(self) -> None:
        from . import checks, documents  # noqa: F401  (the deploy checks; the statements' PDFs to the signing module)
