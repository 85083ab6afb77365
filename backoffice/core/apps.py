from __future__ import annotations

from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The ground floor every app stands on; as an app it holds the shared templates and static files."""

    name = "backoffice.core"
    label = "core"
    verbose_name = "Socle"
