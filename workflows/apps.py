from __future__ import annotations

from django.apps import AppConfig


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = "Processus"

    def ready(self) -> None:
        # Load the flows now: their node permissions must exist when `migrate` creates permissions.
        from . import flows  # noqa: F401
