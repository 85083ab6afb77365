from __future__ import annotations

from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "backoffice.core.audit"
    label = "audit"
    verbose_name = "Journal d'audit"
