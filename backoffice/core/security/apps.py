from __future__ import annotations

from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "backoffice.core.security"
    label = "security"
    verbose_name = "Sécurité"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from .sessions import start_session

        user_logged_in.connect(start_session, dispatch_uid="backoffice.core.security.start_session")
