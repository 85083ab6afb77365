from __future__ import annotations

from django.apps import AppConfig


class PlacesConfig(AppConfig):
    name = "backoffice.core.places"
    label = "places"
    verbose_name = "Lieux (code officiel géographique)"
