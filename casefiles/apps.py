from __future__ import annotations

from django.apps import AppConfig


class CasefilesConfig(AppConfig):
    name = "casefiles"
    verbose_name = "Dossiers candidats"
