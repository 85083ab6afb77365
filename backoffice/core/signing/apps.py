from __future__ import annotations

from django.apps import AppConfig


class SigningConfig(AppConfig):
    name = "backoffice.core.signing"
    label = "signing"
    verbose_name = "Documents signés"

    def ready(self) -> None:
        from backoffice.core.signing import checks  # noqa: F401  (registers the deploy checks)
