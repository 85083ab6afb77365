from __future__ import annotations

from django.apps import AppConfig


class BenchmarksConfig(AppConfig):
    """The benchmarks' commands (`manage.py bench_*`), kept apart: product code never imports them."""

    name = "backoffice.benchmarks"
    label = "benchmarks"
    verbose_name = "Mesures de performance"
