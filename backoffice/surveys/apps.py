from __future__ import annotations

from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "backoffice.surveys"
    label = "surveys"
    verbose_name = "Enquêtes de devenir"
