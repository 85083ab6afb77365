"""`manage.py bench_dashboards`: the supervisors' pages on the national-scale dataset (see
`generate_national_dataset`), each beside the naive ORM way and the bare SQL aggregate. PostgreSQL only."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone

from backoffice.benchmarks import dashboards_measures as m
from backoffice.core.accounts.roles import Role
from backoffice.dashboards.facts import refresh_facts
from backoffice.dashboards.models import FileFact
from casefiles.models import CaseFile

TARGETS_MS = {"stocks": 500, "resultats": 500, "inbox": 200, "queue": 200}


class Command(BaseCommand):
    help = (
        "Mesure le temps serveur des tableaux de bord (stocks, résultats) et des listes de tâches sur le jeu "
        "national, face à l'agrégation naïve par l'ORM et à l'agrégat SQL nu. PostgreSQL seulement."
    )

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--repeat", type=int, default=5)
        parser.add_argument("--region", default="IDF", help="code de la région du superviseur régional")
        parser.add_argument("--min-files", type=int, default=100_000, help=argparse.SUPPRESS)  # tests: fewer

    @override_settings(
        ALLOWED_HOSTS=["testserver"],
        SECURE_SSL_REDIRECT=False,
        DEBUG=False,
        # Pages are measured without `collectstatic` having run: static URLs unhashed, as in the tests.
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    )
    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError(
                "Ce banc d'essai mesure PostgreSQL : lancez-le sur la base du jeu national (DATABASE_URL)."
            )
        files = CaseFile.objects.count()
        if files < options["min_files"]:
            raise CommandError(
                "Trop peu de dossiers : générez d'abord le jeu (manage.py generate_national_dataset)."
            )
        if FileFact.objects.count() != files:  # facts older than the files: as the hourly job would
            self.stdout.write(f"Faits des résultats recalculés d'abord : {refresh_facts():.1f} s")
        repeat, region = options["repeat"], m.region(options["region"])
        national = m.person("bench.superviseur", Role.SUPERVISOR, national=True)
        regional = m.person("bench.superviseur.region", Role.SUPERVISOR, regions=[region])
        officer = m.person("bench.instructeur", Role.CASE_OFFICER, regions=[region])
        end = timezone.localdate()
        start = end - dt.timedelta(days=365)
        year = f"?start={start:%Y-%m-%d}&end={end:%Y-%m-%d}"
        supervisor, local, staff = m.client_for(national), m.client_for(regional), m.client_for(officer)
        backlog, outcomes = reverse("tableaux-de-bord:backlog"), reverse("tableaux-de-bord:outcomes")
        inbox, queue = reverse("parcours:inbox"), reverse("parcours:queue")
        rows = [
            (
                "stocks",
                m.timed("page stocks, national", repeat, lambda: supervisor.get(backlog)),
            ),
            (
                "stocks",
                m.timed(f"page stocks, {region.name}", repeat, lambda: local.get(backlog)),
            ),
            ("naive", m.timed("naïf : tâches ouvertes lues et comptées en Python", repeat, m.naive_backlog)),
            ("floor", m.timed("plancher : un agrégat SQL (étape × région)", repeat, m.floor_backlog)),
            (
                "resultats",
                m.timed(
                    "page résultats, national, 12 mois",
                    repeat,
                    lambda: supervisor.get(outcomes + year),
                ),
            ),
            (
                "resultats",
                m.timed(
                    f"page résultats, {region.name}, 10 ans",
                    repeat,
                    lambda: local.get(outcomes),
                ),
            ),
            (
                "naive",
                m.timed(
                    "naïf : dossiers de 12 mois lus et comptés en Python",
                    repeat,
                    lambda: m.naive_outcomes(start, end),
                ),
            ),
            (
                "floor",
                m.timed(
                    "plancher : un agrégat SQL (région, 12 mois)",
                    repeat,
                    lambda: m.floor_outcomes(start, end),
                ),
            ),
            (
                "inbox",
                m.timed(
                    f"boîte de l'instructeur·rice ({region.name})",
                    repeat,
                    lambda: staff.get(inbox),
                ),
            ),
            (
                "queue",
                m.timed(
                    f"file de l'instructeur·rice ({region.name})",
                    repeat,
                    lambda: staff.get(queue),
                ),
            ),
        ]
        self.stdout.write(f"Jeu : {files:,} dossiers ; {repeat} mesures par ligne (médiane, 90e centile)")
        self.stdout.write("| mesure | médiane ms | p90 ms | requêtes SQL | statut | objectif |")
        self.stdout.write("|---|---|---|---|---|---|")
        for kind, t in rows:
            target = TARGETS_MS.get(kind)
            verdict = (
                ""
                if target is None
                else f"≤ {target} ms : {'atteint' if t.median_ms <= target else 'non atteint'}"
            )
            figures = f"{t.median_ms:,.1f} | {t.p90_ms:,.1f} | {t.queries} | {t.status or '—'}"
            self.stdout.write(f"| {t.label} | {figures} | {verdict} |")
