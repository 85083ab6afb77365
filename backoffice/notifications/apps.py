from __future__ import annotations

from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "backoffice.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from backoffice.core.audit.events import subscribe, subscribe_batch

        from .rules import on_event, on_events

        subscribe(on_event)  # each audit event recorded one by one may notify, in its transaction
        subscribe_batch(on_events)  # and the events a service records together (`record_each`)
