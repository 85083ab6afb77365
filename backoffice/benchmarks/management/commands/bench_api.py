"""`manage.py bench_api`: the same candidates posted to the API in lots of 500 — through the import worker's
steps (run in this process, as the worker runs them) and judged during the request — and imported as one
file, side by side in rows per second. The command builds its organisation (`imports_world`), removes it
between the runs so that each opens the same files, and at the end unless `--keep`."""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from backoffice.benchmarks.api_measures import (
    Measure,
    items_of,
    measure_api,
    measure_file,
    remove_api_traces,
)
from backoffice.benchmarks.imports_world import (
    WORLD_NAME,
    build_world,
    ensure_reference_data,
    remove_world,
    write_candidates,
)


class Command(BaseCommand):
    help = (
        "Mesure l'ouverture de dossiers par l'API (lots de 500, par le service d'import ou pendant la "
        "requête) face à l'import du même fichier. PostgreSQL seulement."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rows", type=int, default=10_000, help="candidat·es envoyé·es")
        parser.add_argument("--batch", type=int, default=500, help="éléments par lot (1 000 au plus)")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--keep", action="store_true", help="garder l'organisme et ses dossiers à la fin")

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError(
                "Ce banc d'essai mesure les écritures de PostgreSQL : lancez-le avec DATABASE_URL vers une "
                "base PostgreSQL jetable (voir docs/performance.md). Rien n'a été fait."
            )
        ensure_reference_data()
        logging.getLogger("backoffice.api.calls").setLevel(logging.WARNING)  # no line per lot in the output
        rows, batch, seed = options["rows"], min(options["batch"], 1000), options["seed"]
        today = dt.date.today()
        folder = Path(tempfile.mkdtemp(prefix="bench-api-"))
        path = folder / "candidats.csv"
        world = build_world(today, seed=seed)
        measures: list[Measure] = []
        try:
            write_candidates(path, rows=rows, sirets=world.sirets, today=today, seed=seed)
            items = items_of(path)
            runs = [
                lambda world: measure_api(world, items, batch=batch, during_request=False),
                lambda world: measure_api(world, items, batch=batch, during_request=True),
                lambda world: measure_file(world, path, rows),
            ]
            load = os.getloadavg()[0]
            for index, run in enumerate(runs):
                if index:  # each run opens the same files: the previous run's are removed first
                    world = self._rebuild(world, today, seed)
                self.stderr.write(f"Mesure {index + 1}/{len(runs)}…")
                measures.append(run(world))
            self.report(rows, batch, measures, load=(load, os.getloadavg()[0]))
        finally:
            shutil.rmtree(folder, ignore_errors=True)
            if options["keep"]:
                self.stdout.write(f"Gardé : l'organisme « {WORLD_NAME} » (SIREN {world.siren}).")
            else:
                remove_api_traces(world)
                remove_world(world)
                self.stdout.write(
                    "Nettoyé : organisme, évaluateur, clés, dossiers, parcours et imports supprimés."
                )

    def _rebuild(self, world: Any, today: dt.date, seed: int) -> Any:
        remove_api_traces(world)
        remove_world(world)
        return build_world(today, seed=seed)

    def report(self, rows: int, batch: int, measures: list[Measure], *, load: tuple[float, float]) -> None:
        version = connection.pg_version  # type: ignore[attr-defined]
        self.stdout.write(
            f"API et import de candidat·es : {rows:,} lignes (lots de {batch}), PostgreSQL "
            f"{version // 10000}.{version % 100}, {os.cpu_count()} cœurs, charge moyenne {load[0]:.1f} au "
            f"début et {load[1]:.1f} à la fin"
        )
        file_rate = measures[-1].rate
        self.stdout.write("| chemin | lignes | dossiers ouverts | s | lignes/s | × import du fichier |")
        self.stdout.write("|---|---|---|---|---|---|")
        for measure in measures:
            self.stdout.write(
                f"| {measure.label} | {measure.rows:,} | {measure.created:,} | {measure.seconds:.1f} | "
                f"{measure.rate:,.0f} | ×{measure.rate / file_rate:.2f} |"
            )
