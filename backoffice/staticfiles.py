from __future__ import annotations

from django.contrib.staticfiles.apps import StaticFilesConfig as BaseStaticFilesConfig


class StaticFilesConfig(BaseStaticFilesConfig):
    # django-viewflow 2.4.0 ships a stray node_modules folder that breaks the manifest storage.
    ignore_patterns = [*BaseStaticFilesConfig.ignore_patterns, "node_modules"]
