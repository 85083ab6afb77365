from __future__ import annotations

from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "backoffice.dashboards"
    label = "dashboards"
    verbose_name = "Tableaux de bord"
