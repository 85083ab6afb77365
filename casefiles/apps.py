from __future__ import annotations

from django.apps import AppConfig


class CasefilesConfig(AppConfig):
    name = "casefiles"
    verbose_name = "Dossiers candidats"

    def ready(self) -> None:
        # Its lists become exportable (the module imports the views: only once the models are ready).
        from casefiles import checks  # noqa: F401  (registers the deploy checks)
        from casefiles.exports import register_export_kinds

        register_export_kinds()
