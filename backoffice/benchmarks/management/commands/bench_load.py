"""`manage.py bench_load`: a load test on loopback. gunicorn and a Dramatiq worker on this database and Redis,
then locust's virtual case officers, jury members and evaluators logging in and doing their daily work
(backoffice/benchmarks/locustfile.py) for a bounded time; a table of latencies per page, the errors (there
must be none) and the throughput. PostgreSQL and Redis only, on a database seeded with `seed_demo`.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import tempfile
from pathlib import Path
from typing import Any

import dramatiq
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from dramatiq.brokers.redis import RedisBroker

from backoffice.benchmarks.load_run import Failure, Stat, run_locust, running_stack
from backoffice.benchmarks.load_world import missing_demo_users, volumes, write_plan


class Interrupted(Exception):
    """SIGTERM received: unwind so that every child process is stopped."""


def _on_sigterm(signum: int, frame: Any) -> None:
    raise Interrupted


class Command(BaseCommand):
    help = (
        "Test de charge en local : gunicorn + un worker Dramatiq sur cette base PostgreSQL et Redis, et des "
        "utilisateurs locust (chargé·es d'instruction, membres de jury, évaluateurs) qui se connectent et "
        "travaillent pendant une durée bornée. Affiche p50/p95/p99, erreurs et débit par page."
    )

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--users", type=int, default=50, help="utilisateurs simultanés")
        parser.add_argument("--spawn-rate", type=float, default=10, help="utilisateurs lancés par seconde")
        parser.add_argument("--duration", type=int, default=60, help="durée de la mesure, en secondes")
        parser.add_argument(
            "--workers", type=int, default=(os.cpu_count() or 1) + 1, help="processus gunicorn"
        )
        parser.add_argument("--threads", type=int, default=4, help="threads par processus gunicorn")
        parser.add_argument("--port", type=int, default=8765, help="port de gunicorn sur 127.0.0.1")

    def handle(self, *args: Any, **options: Any) -> None:
        self.refuse_unless_ready(options)
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
        # Ctrl-C stops the children even when a shell started the command in the background (SIGINT ignored)
        previous_int = signal.signal(signal.SIGINT, signal.default_int_handler)
        load_before = os.getloadavg()
        try:
            with tempfile.TemporaryDirectory(prefix="bench-load-") as name:
                folder = Path(name)
                plan = write_plan(folder)
                self.stderr.write(
                    f"gunicorn ({options['workers']} processus × {options['threads']} threads) et worker "
                    f"Dramatiq sur 127.0.0.1:{options['port']}…"
                )
                with running_stack(
                    folder, port=options["port"], workers=options["workers"], threads=options["threads"]
                ) as host:
                    self.stderr.write(
                        f"locust : {options['users']} utilisateurs, {options['spawn_rate']:g}/s, "
                        f"{options['duration']} s…"
                    )
                    stats, failures = run_locust(
                        folder,
                        host=host,
                        plan=plan,
                        users=options["users"],
                        spawn_rate=options["spawn_rate"],
                        duration=options["duration"],
                    )
                server_log = server_log_tail(folder)
        except (KeyboardInterrupt, Interrupted) as stop:
            raise CommandError("Interrompu : gunicorn, le worker et locust ont été arrêtés.") from stop
        finally:
            signal.signal(signal.SIGTERM, previous)
            signal.signal(signal.SIGINT, previous_int)
        self.report(stats, failures, options, load=(load_before, os.getloadavg()))
        total = stats[-1] if stats else None
        if total is None or total.count == 0:
            raise CommandError("Aucune requête n'a abouti : voir ci-dessus.")
        if total.failures:
            if server_log:
                self.stdout.write(f"Fin du journal de gunicorn :\n{server_log}")
            raise CommandError(f"{total.failures} requête(s) en échec sur {total.count}.")

    def refuse_unless_ready(self, options: dict[str, Any]) -> None:
        if min(options["users"], options["duration"], options["workers"], options["threads"]) < 1:
            raise CommandError(
                "--users, --duration, --workers et --threads doivent valoir au moins 1. Rien n'a été fait."
            )
        if options["spawn_rate"] <= 0 or not 1024 <= options["port"] <= 65535:
            raise CommandError(
                "--spawn-rate doit être positif et --port compris entre 1024 et 65535. Rien n'a été fait."
            )
        if port_taken(options["port"]):
            raise CommandError(
                f"Le port {options['port']} de 127.0.0.1 est déjà utilisé : choisissez-en un autre avec "
                "--port. Rien n'a été fait."
            )
        if connection.vendor != "postgresql":
            raise CommandError(
                "Ce test de charge mesure la pile de production : lancez-le avec DATABASE_URL vers une base "
                "PostgreSQL (voir docs/performance.md). Rien n'a été fait."
            )
        if not isinstance(dramatiq.get_broker(), RedisBroker):
            raise CommandError(
                "Ce test de charge lance un vrai worker sur Redis : définissez REDIS_URL (par exemple "
                "redis://127.0.0.1:6379/9, une base Redis à part). Rien n'a été fait."
            )
        missing = missing_demo_users()
        if missing:
            raise CommandError(
                f"Comptes de démonstration absents ou inactifs : {', '.join(missing)}. Préparez la base avec "
                "`manage.py load_reference` puis `manage.py seed_demo --scale large`. Rien n'a été fait."
            )

    def report(
        self,
        stats: list[Stat],
        failures: list[Failure],
        options: dict[str, Any],
        *,
        load: tuple[tuple[float, float, float], tuple[float, float, float]],
    ) -> None:
        write = self.stdout.write
        data = ", ".join(f"{count:,} {label}".replace(",", " ") for label, count in volumes().items())
        write(
            f"Test de charge : {options['users']} utilisateurs ({options['spawn_rate']:g}/s), "
            f"{options['duration']} s, gunicorn {options['workers']} processus × {options['threads']} "
            f"threads, {os.cpu_count()} cœurs. Base : {data}."
        )
        write(f"Charge moyenne (1/5/15 min) avant : {_load(load[0])} ; après : {_load(load[1])}.")
        write("| requête | nombre | échecs | p50 (ms) | p95 (ms) | p99 (ms) | req/s |")
        write("|---|---:|---:|---:|---:|---:|---:|")
        for stat in stats:
            label = "Total" if stat.name == "Aggregated" else f"{stat.method} {stat.name}"
            write(
                f"| {label} | {stat.count} | {stat.failures} | {stat.p50:.0f} | {stat.p95:.0f} | "
                f"{stat.p99:.0f} | {stat.rps:.1f} |"
            )
        for failure in failures:
            write(f"Échec : {failure.method} {failure.name} × {failure.occurrences} : {failure.error}")
        total = stats[-1] if stats else None
        if total is not None:
            write(
                f"Total : {total.count} requêtes, {total.failures} en échec, {total.rps:.1f} requêtes/s, "
                f"p50 {total.p50:.0f} ms, p95 {total.p95:.0f} ms, p99 {total.p99:.0f} ms."
            )


def server_log_tail(folder: Path, size: int = 4000) -> str:
    log = folder / "gunicorn.log"
    return log.read_text(errors="replace")[-size:].strip() if log.exists() else ""


def port_taken(port: int) -> bool:
    """Something already listens there: its /sante/ would answer for our gunicorn."""
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _load(values: tuple[float, float, float]) -> str:
    return " / ".join(f"{value:.2f}" for value in values)
