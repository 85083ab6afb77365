"""`manage.py bench_imports`: one candidates file imported three ways, side by side, on PostgreSQL.

PostgreSQL COPY into a staging table (the physical limit); django-import-export's stock row-by-row import
followed by one StartHandle call per row (the baseline, on a sample: it is slow); and ours, the dry run then
the apply, in a child process whose peak memory is read. The command builds its own organisation, evaluator
and file, and removes them afterwards unless `--keep`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from backoffice.benchmarks.imports_measures import (
    Measure,
    measure_copy,
    measure_ours,
    measure_stock,
    steps_run_here,
)
from backoffice.benchmarks.imports_world import (
    WORLD_NAME,
    World,
    build_world,
    ensure_reference_data,
    remove_world,
    write_candidates,
)
from backoffice.core.accounts.models import User

TARGET_CHECK, TARGET_APPLY, TARGET_RESULTS, TARGET_MEMORY_MB = 8_000, 2_000, 1_000, 400
CHECKS = ("stock_check", "check", "recheck")  # compared with the stock dry run; the others with its import


class Command(BaseCommand):
    help = (
        "Mesure l'import d'un fichier de candidat·es (vérification, import avec démarrage des parcours, "
        "mémoire) face à l'import ligne à ligne de django-import-export et à COPY. PostgreSQL seulement."
    )

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--rows", type=int, default=100_000, help="lignes du fichier")
        parser.add_argument(
            "--baseline-rows", type=int, default=5_000, help="échantillon mesuré ligne à ligne"
        )
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--keep", action="store_true", help="garder le fichier, l'organisme et ses dossiers"
        )
        parser.add_argument("--child", help=argparse.SUPPRESS)  # our steps, in a process of their own

    def handle(self, *args: Any, **options: Any) -> None:
        if options["child"]:
            run_child(Path(options["child"]))
            return
        if connection.vendor != "postgresql":
            raise CommandError(
                "Ce banc d'essai mesure COPY et les écritures de PostgreSQL : lancez-le avec DATABASE_URL "
                "vers une base PostgreSQL jetable (voir docs/performance.md). Rien n'a été fait."
            )
        ensure_reference_data()
        rows, sample, seed = options["rows"], min(options["baseline_rows"], options["rows"]), options["seed"]
        today = dt.date.today()
        world = build_world(today, seed=seed)
        folder = Path(tempfile.mkdtemp(prefix="bench-imports-"))
        path = folder / "candidats.csv"
        try:
            write_candidates(path, rows=rows, sirets=world.sirets, today=today, seed=seed)
            self.stdout.write(f"Fichier : {path} ({rows:,} lignes, {path.stat().st_size / 1e6:.1f} Mo)")
            load = os.getloadavg()[0]
            self.stderr.write(f"COPY, puis l'import stock sur {sample:,} lignes…")
            measures = [measure_copy(path, rows), *measure_stock(path, sample, world)]
            self.stderr.write("Nos étapes, dans un processus à part : vérification, import, ré-import…")
            ours = run_child_process(path, world, rows)
            measures += [Measure(**measure) for measure in ours["measures"]]
            self.report(rows, sample, measures, peaks_kb=ours["peaks_kb"], load=(load, os.getloadavg()[0]))
        finally:
            if options["keep"]:
                self.stdout.write(
                    f"Gardés : le fichier {path} et l'organisme « {WORLD_NAME} » (SIREN {world.siren})."
                )
            else:
                shutil.rmtree(folder, ignore_errors=True)
                remove_world(world)
                self.stdout.write(
                    "Nettoyé : fichier, organisme, évaluateur, dossiers, parcours et imports supprimés."
                )

    def report(
        self,
        rows: int,
        sample: int,
        measures: list[Measure],
        *,
        peaks_kb: dict[str, int],
        load: tuple[float, float],
    ) -> None:
        by_key = {measure.key: measure for measure in measures}
        version = connection.pg_version  # type: ignore[attr-defined]
        self.stdout.write(
            f"Import de candidat·es : {rows:,} lignes (stock : échantillon de {sample:,}), "
            f"PostgreSQL {version // 10000}.{version % 100}, {os.cpu_count()} cœurs, "
            f"charge moyenne {load[0]:.1f} au début des mesures et {load[1]:.1f} à la fin"
        )
        self.stdout.write("| mesure | lignes | s | lignes/s | requêtes SQL | × stock | × COPY |")
        self.stdout.write("|---|---|---|---|---|---|---|")
        for measure in measures:
            stock = by_key["stock_check" if measure.key in CHECKS else "stock_import"]
            versus_stock = "—" if measure.key == "results" else _ratio(measure.rate / stock.rate)
            self.stdout.write(
                f"| {measure.label} | {measure.rows:,} | {measure.seconds:.2f} | {measure.rate:,.0f} | "
                f"{measure.statements:,} | {versus_stock} | "
                f"{_ratio(measure.rate / by_key['copy'].rate)} |"
            )
        check, apply = by_key["check"].rate, by_key["apply"].rate
        steps = {step: kb / 1024 for step, kb in peaks_kb.items()}
        peak_mb = max(steps.values())
        targets = [
            (f"vérification ≥ {TARGET_CHECK:,} lignes/s", f"{check:,.0f} lignes/s", check >= TARGET_CHECK),
            (f"import ≥ {TARGET_APPLY:,} lignes/s", f"{apply:,.0f} lignes/s", apply >= TARGET_APPLY),
            (
                f"résultats ≥ {TARGET_RESULTS:,} lignes/s",
                f"{by_key['results'].rate:,.0f} lignes/s",
                by_key["results"].rate >= TARGET_RESULTS,
            ),
            (
                f"mémoire < {TARGET_MEMORY_MB} Mo",
                f"pic de {peak_mb:,.0f} Mo (VmHWM ; après la vérification {steps['check']:,.0f}, "
                f"après l'import {steps['apply']:,.0f}, après le ré-import {steps['recheck']:,.0f})",
                peak_mb < TARGET_MEMORY_MB,
            ),
        ]
        for target, found, met in targets:
            self.stdout.write(f"Objectif {target} : {found}, {'atteint' if met else 'MANQUÉ'}")


def _ratio(value: float) -> str:
    return f"×{value:,.0f}" if value >= 100 else f"×{value:.3g}" if value >= 1 else f"×{value:.2g}"


def run_child_process(path: Path, world: World, rows: int) -> dict[str, Any]:
    """Our steps in a fresh process: its peak memory is theirs (and Django's), not the stock path's."""
    with tempfile.TemporaryDirectory(prefix="bench-imports-") as folder:
        order = Path(folder) / "order.json"
        order.write_text(json.dumps({"path": str(path), "evaluator": world.evaluator.pk, "rows": rows}))
        env = {
            **os.environ,
            "DATABASE_URL": database_url(connection.settings_dict),
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        }
        manage = Path(settings.BASE_DIR) / "manage.py"
        done = subprocess.run(  # noqa: S603 (our own interpreter and manage.py)
            [sys.executable, str(manage), "bench_imports", "--child", str(order)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode:
            raise CommandError(f"Les étapes mesurées ont échoué :\n{done.stderr[-3000:]}")
        return json.loads((Path(folder) / "result.json").read_text())


def database_url(params: dict[str, Any]) -> str:
    """The database this process uses, for the child: under pytest, the test database."""
    credentials = quote(params["USER"] or "", safe="")
    if params["PASSWORD"]:
        credentials += ":" + quote(params["PASSWORD"], safe="")
    host = quote(params["HOST"] or "", safe="") + (f":{params['PORT']}" if params["PORT"] else "")
    return f"postgres://{credentials}{'@' if credentials else ''}{host}/{quote(params['NAME'], safe='')}"


def run_child(order_path: Path) -> None:
    order = json.loads(order_path.read_text())
    actor, path, rows = User.objects.get(pk=order["evaluator"]), Path(order["path"]), order["rows"]
    with steps_run_here():
        measures, peaks = measure_ours(path, actor, rows)
    result = {"measures": [asdict(measure) for measure in measures], "peaks_kb": peaks}
    (order_path.parent / "result.json").write_text(json.dumps(result))
