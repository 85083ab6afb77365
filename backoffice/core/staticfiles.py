from __future__ import annotations

from django.contrib.staticfiles.apps import StaticFilesConfig as BaseStaticFilesConfig


class StaticFilesConfig(BaseStaticFilesConfig):
    # django-viewflow 2.4.0 ships a stray node_modules folder that breaks the manifest storage, and the
    # Plotly Dash bundles of its dashboard contrib (22 MB, unused here): compressing them took most of
    # collectstatic's two minutes.
    ignore_patterns = [*BaseStaticFilesConfig.ignore_patterns, "node_modules", "viewflow/js/contrib/dash/*"]
