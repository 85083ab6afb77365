from __future__ import annotations

from django.apps import AppConfig


class AccreditationConfig(AppConfig):
    name = "accreditation"
    verbose_name = "Référentiels, organismes et habilitations"

    def ready(self) -> None:
        # Its lists become exportable (the module imports the views: only once the models are ready).
        from accreditation.exports import register_export_kinds

        register_export_kinds()
