"""`manage.py bench_notifications`: emails written to the outbox and delivered by one real worker process to
a local SMTP sink, through Redis, against a bare actor doing nothing through the same broker and worker.

PostgreSQL and Redis only. The command starts the sink (a thread of its own) and the worker
(`manage.py rundramatiq --processes 1`), sends the bare actor's messages, then writes the notifications in
transactions with `services.notify` (enqueued on commit), waits until the sink received every email and
every row is sent, and removes its rows afterwards unless `--keep`. The benchmark's queues are purged before
and after.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

import dramatiq
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from dramatiq.brokers.redis import RedisBroker

from backoffice.benchmarks.management.commands.bench_imports import _ratio
from backoffice.benchmarks.notifications_measures import (
    NOOP_QUEUE,
    NOTIFICATIONS_QUEUE,
    Delivery,
    Measure,
    measure_noop,
    measure_notifications,
    new_run,
    pending_emails,
    purge_queues,
    remove_run,
    running_worker,
)
from backoffice.benchmarks.smtp_sink import SmtpSink

COUNTERPARTS = {
    "noop_enqueue": "noop_enqueue",
    "noop": "noop",
    "enqueue": "noop_enqueue",
    "delivered": "noop",
    "drain": "noop",
}


class Command(BaseCommand):
    help = (
        "Mesure l'envoi des notifications par courriel (outbox, Redis, un processus worker, serveur SMTP "
        "local) face à un acteur Dramatiq qui ne fait rien. PostgreSQL et Redis seulement."
    )

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--count", type=int, default=20_000, help="courriels (et messages de l'acteur nu)"
        )
        parser.add_argument("--threads", type=int, default=8, help="threads du processus worker")
        parser.add_argument("--keep", action="store_true", help="garder les notifications écrites")

    def handle(self, *args: Any, **options: Any) -> None:
        count, threads = options["count"], options["threads"]
        if count < 1 or threads < 1:
            raise CommandError("--count et --threads doivent valoir au moins 1. Rien n'a été fait.")
        if connection.vendor != "postgresql":
            raise CommandError(
                "Ce banc d'essai mesure l'outbox sur PostgreSQL : lancez-le avec DATABASE_URL vers une base "
                "PostgreSQL jetable (voir docs/performance.md). Rien n'a été fait."
            )
        broker = dramatiq.get_broker()
        if not isinstance(broker, RedisBroker):
            raise CommandError(
                "Ce banc d'essai mesure un vrai worker sur Redis : lancez-le avec REDIS_URL "
                "(par exemple redis://127.0.0.1:6379/11, une base Redis à part). Rien n'a été fait."
            )
        waiting = pending_emails()
        if waiting:
            raise CommandError(
                f"{waiting:,} courriel(s) attendent dans l'outbox de cette base : le worker du banc d'essai "
                "les enverrait à son serveur SMTP de test. Lancez-le sur une base jetable. Rien n'a été fait."
            )
        purge_queues(broker)
        run = new_run()
        load = os.getloadavg()[0]
        try:
            with SmtpSink() as sink, running_worker(threads=threads, smtp_port=sink.port) as worker:
                self.stderr.write(f"Acteur nu : {count:,} messages…")
                measures = measure_noop(count, broker, worker)
                self.stderr.write(f"Notifications : {count:,} courriels…")
                delivered, delivery = measure_notifications(count, run, sink, worker)
                measures += delivered
                load_after = os.getloadavg()[0]
            self.report(count, threads, measures, delivery, broker=broker, load=(load, load_after))
        finally:
            purge_queues(broker)
            if options["keep"]:
                self.stdout.write(f"Gardées : les notifications dont la clé commence par « {run}: ».")
            else:
                remove_run(run)
                self.stdout.write(
                    f"Nettoyé : notifications du banc d'essai supprimées, files « {NOTIFICATIONS_QUEUE} » "
                    f"et « {NOOP_QUEUE} » vidées."
                )

    def report(
        self,
        count: int,
        threads: int,
        measures: list[Measure],
        delivery: Delivery,
        *,
        broker: RedisBroker,
        load: tuple[float, float],
    ) -> None:
        by_key = {measure.key: measure for measure in measures}
        version = connection.pg_version  # type: ignore[attr-defined]
        redis = broker.client.info("server")["redis_version"]
        self.stdout.write(
            f"Notifications : {count:,} courriels vers un serveur SMTP local, Redis {redis}, "
            f"PostgreSQL {version // 10000}.{version % 100}, un processus worker à {threads} threads "
            f"(rundramatiq --processes 1 --threads {threads}), {os.cpu_count()} cœurs, "
            f"charge moyenne {load[0]:.1f} au début des mesures et {load[1]:.1f} à la fin"
        )
        self.stdout.write("| mesure | messages | s | messages/s | × acteur nu |")
        self.stdout.write("|---|---|---|---|---|")
        for measure in measures:
            counterpart = COUNTERPARTS.get(measure.key)
            versus = _ratio(measure.rate / by_key[counterpart].rate) if counterpart else "—"
            self.stdout.write(
                f"| {measure.label} | {measure.messages:,} | {measure.seconds:.2f} | {measure.rate:,.0f} | "
                f"{versus} |"
            )
        self.stdout.write(
            f"Serveur SMTP de test : {delivery.received:,} courriels reçus ({delivery.megabytes:.1f} Mo), "
            f"{delivery.recipients:,} destinataires, {delivery.duplicates} en double ; outbox : "
            f"{delivery.sent:,} envoyées, {delivery.failed} en échec, {delivery.retried} renvoyées."
        )
        delivered, noop = by_key["delivered"], by_key["noop"]
        self.stdout.write(
            f"Courriels remis : {delivered.rate:,.0f} par seconde, {_ratio(delivered.rate / noop.rate)} "
            f"du débit de l'acteur nu ({noop.rate:,.0f} messages/s, la limite du broker sur cette machine)."
        )
