"""`manage.py generate_national_dataset`: a national-scale history (files, pathways, tasks, certificates)
written by PostgreSQL COPY into a throwaway database, for the dashboards benchmark."""

from __future__ import annotations

import argparse
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from viewflow.workflow.models import Process, Task

from accreditation.models import Accreditation, Organisation, Site
from backoffice.benchmarks.national_dataset import (
    Options,
    Timings,
    ensure_empty_and_referenced,
    generate,
    table_counts,
)
from backoffice.core.accounts.models import User
from casefiles.models import (
    AgendaItem,
    Candidate,
    CaseFile,
    Certificate,
    CertificateCounter,
    JurySession,
    TrainingPlan,
)

COUNTED = [
    Organisation, Site, Accreditation, User, JurySession, Candidate, CaseFile, Process, Task,
    Task.previous.through, TrainingPlan, AgendaItem, Certificate, CertificateCounter,
]  # fmt: skip


class Command(BaseCommand):
    help = (
        "Génère un jeu de données national (dossiers, parcours Viewflow et leurs tâches, certificats) "
        "par COPY, dans une base PostgreSQL jetable qui ne contient encore aucun dossier."
    )

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--files", type=int, default=1_000_000, help="dossiers candidats")
        parser.add_argument("--organisations", type=int, default=300, help="organismes évaluateurs")
        parser.add_argument("--years", type=int, default=10, help="années d'historique")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--chunk", type=int, default=50_000, help="dossiers écrits par transaction")

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError(
                "Ce générateur écrit par COPY : lancez-le avec DATABASE_URL vers une base PostgreSQL "
                "jetable. Rien n'a été fait."
            )
        if min(options["files"], options["organisations"], options["years"], options["chunk"]) < 1:
            raise CommandError(
                "Les nombres de dossiers, d'organismes, d'années et la taille des lots sont positifs."
            )
        problem = ensure_empty_and_referenced()
        if problem:
            raise CommandError(f"{problem} : ce générateur remplit une base jetable. Rien n'a été fait.")
        started = time.perf_counter()
        timings = Timings(say=self.stderr.write)
        run = Options(
            files=options["files"],
            organisations=options["organisations"],
            years=options["years"],
            seed=options["seed"],
            chunk=options["chunk"],
        )
        generate(run, timings)
        self.report(timings, time.perf_counter() - started)

    def report(self, timings: Timings, total: float) -> None:
        self.stdout.write("| table | lignes écrites | s | lignes/s |")
        self.stdout.write("|---|---|---|---|")
        for table, seconds in timings.seconds.most_common():
            rows = timings.rows[table]
            rate = f"{rows / seconds:,.0f}" if rows and seconds else "—"
            self.stdout.write(f"| {table} | {rows:,} | {seconds:.1f} | {rate} |")
        self.stdout.write("Lignes dans la base :")
        for table, count in table_counts(COUNTED):
            self.stdout.write(f"  {table} : {count:,}")
        python = total - sum(timings.seconds.values())
        self.stdout.write(f"Total : {total:.1f} s (dont génération en Python : {python:.1f} s)")
