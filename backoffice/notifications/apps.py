from __future__ import annotations

from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "backoffice.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from backoffice.core.audit.events import subscribe

        from .rules import on_event

        subscribe(on_event)  # each audit event recorded one by one may notify, in its transaction
