"""What `bench_notifications` times: emails written to the outbox, enqueued on commit and delivered by one
real worker process to a local SMTP sink, against a bare actor doing nothing through the same broker and
worker (the broker's own limit on this machine).

The worker imports this module (see `notifications_worker_settings`): `bench_noop` exists only there and in
the command, on a queue of its own.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import dramatiq
from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.models import Count, Q

from backoffice.notifications import services
from backoffice.notifications.models import Channel, Notification, Status
from backoffice.notifications.tasks import deliver_notification

from .smtp_sink import SmtpSink

NOOP_QUEUE = "bench_noop"
NOTIFICATIONS_QUEUE = deliver_notification.queue_name
KEY_PREFIX = "bench-notifications"
TRANSACTION_SIZE = 500  # certificates issued together, one email to each candidate
WORKER_SETTINGS = "backoffice.benchmarks.notifications_worker_settings"
READY = "Worker process is ready for action."
STALLED_AFTER = 60.0  # seconds without progress: the measure is abandoned


@dramatiq.actor(queue_name=NOOP_QUEUE, max_retries=0)
def bench_noop() -> None:
    """Nothing: what is left is the broker's and the worker's own work for one message."""


@dataclass
class Measure:
    key: str
    label: str
    messages: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.messages / self.seconds if self.seconds else 0.0


@dataclass
class Delivery:
    """What the sink received and what the outbox says, once every email was delivered."""

    received: int
    recipients: int
    duplicates: int
    megabytes: float
    sent: int
    failed: int
    retried: int


def new_run() -> str:
    return f"{KEY_PREFIX}:{uuid.uuid4().hex[:10]}"


def purge_queues(broker: Any) -> None:
    for queue in (NOOP_QUEUE, NOTIFICATIONS_QUEUE):
        broker.flush(queue)  # the queue, its delay queue and its dead letters


def pending_emails() -> int:
    """Emails of the outbox waiting to be sent: the benchmark's worker would send them to its sink."""
    return Notification.objects.filter(channel=Channel.EMAIL, status=Status.PENDING).count()


def remove_run(run: str) -> int:
    deleted, _ = Notification.objects.filter(key__startswith=f"{run}:").delete()
    return deleted


# The worker: `manage.py rundramatiq`, one process, as production starts it.


class Worker:
    def __init__(self, process: subprocess.Popen[bytes], log: Path) -> None:
        self.process, self.log = process, log

    def check_alive(self) -> None:
        if self.process.poll() is not None:
            raise CommandError(f"Le worker s'est arrêté (code {self.process.returncode}) :\n{self.tail()}")

    def tail(self, size: int = 3000) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""
        return text[-size:]


@contextlib.contextmanager
def running_worker(*, threads: int, smtp_port: int) -> Iterator[Worker]:
    """One worker process on the benchmark's queues, sending email through the sink; stopped afterwards."""
    from backoffice.benchmarks.management.commands.bench_imports import database_url

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": WORKER_SETTINGS,
        "DATABASE_URL": database_url(connection.settings_dict),
        "REDIS_URL": settings.REDIS_URL,
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "EMAIL_USE_TLS": "0",
        "EMAIL_HOST_USER": "",
        "EMAIL_HOST_PASSWORD": "",
        "PYTHONUNBUFFERED": "1",
    }
    manage = Path(settings.BASE_DIR) / "manage.py"
    command = [
        sys.executable,
        str(manage),
        "rundramatiq",
        "--processes",
        "1",
        "--threads",
        str(threads),
        "--queues",
        NOTIFICATIONS_QUEUE,
        NOOP_QUEUE,
        "--worker-shutdown-timeout",
        "10000",
    ]
    with tempfile.TemporaryDirectory(prefix="bench-notifications-") as folder:
        log = Path(folder) / "worker.log"
        with log.open("wb") as output:
            process = subprocess.Popen(  # noqa: S603 (our own interpreter and manage.py)
                command,
                cwd=settings.BASE_DIR,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its process group: stopped as a whole
            )
        worker = Worker(process, log)
        try:
            wait_until(lambda: READY in worker.tail(size=100_000), worker, "le démarrage du worker")
            yield worker
        finally:
            stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)  # dramatiq's main process stops its worker process
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def wait_until(
    done: Callable[[], bool], worker: Worker, what: str, progress: Callable[[], int] | None = None
) -> float:
    """Poll every few milliseconds until `done()`; gives up when nothing moved for a minute. Returns the
    perf_counter() at which it was done."""
    last, moved_at = None, time.perf_counter()
    while not done():
        worker.check_alive()
        now = time.perf_counter()
        current = progress() if progress else None
        if current != last:
            last, moved_at = current, now
        elif now - moved_at > STALLED_AFTER:
            raise CommandError(
                f"Mesure abandonnée : rien n'a avancé depuis {STALLED_AFTER:.0f} s pendant {what} "
                f"({current} traités).\n{worker.tail()}"
            )
        time.sleep(0.01)
    return time.perf_counter()


# 1. The reference: a bare actor, `count` messages through the same broker and worker.


def measure_noop(count: int, broker: Any, worker: Worker) -> list[Measure]:
    started = time.perf_counter()
    for _ in range(count):
        bench_noop.send()
    enqueued = time.perf_counter() - started
    left = [count]

    def drained() -> bool:
        left[0] = broker.do_qsize(NOOP_QUEUE)  # waiting, delayed and not yet acknowledged
        return left[0] == 0

    finished = wait_until(drained, worker, "l'acteur nu", progress=lambda: left[0])
    return [
        Measure("noop_enqueue", "acteur nu : envoi dans Redis", count, enqueued),
        Measure(
            "noop",
            "acteur nu : du premier envoi au dernier message traité (limite du broker)",
            count,
            finished - started,
        ),
    ]


# 2. Ours: `services.notify` in the caller's transactions, enqueued on commit, delivered by the worker.


def measure_notifications(
    count: int, run: str, sink: SmtpSink, worker: Worker
) -> tuple[list[Measure], Delivery]:
    enqueue_seconds, first_enqueue = [0.0], [0.0]
    real_enqueue = services.enqueue

    def timed_enqueue(notifications: Any) -> int:
        started = time.perf_counter()
        first_enqueue[0] = first_enqueue[0] or started
        enqueued = real_enqueue(notifications)
        enqueue_seconds[0] += time.perf_counter() - started
        return enqueued

    mine = Notification.objects.filter(key__startswith=f"{run}:")
    with mock.patch.object(services, "enqueue", timed_enqueue):
        started = time.perf_counter()
        for first in range(0, count, TRANSACTION_SIZE):
            with transaction.atomic():  # the emails of the batch are enqueued when it commits
                for number in range(first, min(first + TRANSACTION_SIZE, count)):
                    services.notify(candidate_message(run, number), emails=[candidate_email(run, number)])
        written = time.perf_counter() - started
    finished = wait_until(
        lambda: sink.messages >= count and mine.filter(status=Status.SENT).count() == count,
        worker,
        "l'envoi des courriels",
        progress=lambda: sink.messages,
    )
    delivery = check_delivery(count, run, sink)
    rate = f"1 notify par courriel, transactions de {TRANSACTION_SIZE}"
    written_at = started + written
    after_writing = [moment for moment in sink.times if moment > written_at]
    measures = [
        Measure(
            "write", f"notifications : écriture dans l'outbox ({rate})", count, written - enqueue_seconds[0]
        ),
        Measure("enqueue", "notifications : envoi dans Redis au commit", count, enqueue_seconds[0]),
        Measure(
            "delivered",
            "notifications : du premier envoi au dernier courriel reçu par le serveur SMTP et marqué envoyé",
            count,
            finished - first_enqueue[0],
        ),
    ]
    if len(after_writing) >= max(2, count // 10):  # the worker was still behind when the writing ended
        measures.append(
            Measure(
                "drain",
                "notifications : remise par le worker une fois l'outbox écrite (courriels reçus ensuite)",
                len(after_writing),
                after_writing[-1] - written_at,
            )
        )
    return measures, delivery


def candidate_email(run: str, number: int) -> str:
    return f"candidat-{run.rsplit(':', 1)[-1]}-{number:06d}@banc.certifpro.example"


def candidate_message(run: str, number: int) -> services.Message:
    """As `rules.case_file_changed` writes it when a certificate is issued: one email to the candidate."""
    return services.Message(
        f"{run}:{number}",
        "certificate_issued_candidate",
        "Votre certificat CléA est délivré",
        {
            "file": f"Dossier BANC-{number:06d}",
            "reference": f"BANC-{number:06d}",
            "certification": "CléA",
            "site": "Établissement du banc d'essai",
            "summary": "Certificat délivré.",
            "first_name": "Camille",
        },
    )


def check_delivery(count: int, run: str, sink: SmtpSink) -> Delivery:
    """The figure is honest only if every email reached the sink once and every row says so."""
    ours = {candidate_email(run, number) for number in range(count)}
    received = {address: n for address, n in sink.recipients.items() if address in ours}
    rows = Notification.objects.filter(key__startswith=f"{run}:").aggregate(
        sent=Count("pk", filter=Q(status=Status.SENT)),
        failed=Count("pk", filter=Q(status=Status.FAILED)),
        retried=Count("pk", filter=Q(attempts__gt=1)),
    )
    delivery = Delivery(
        received=sink.messages,
        recipients=len(received),
        duplicates=sum(n - 1 for n in received.values()),
        megabytes=sink.server.bytes / 1e6,
        **rows,
    )
    if not (delivery.received == delivery.recipients == delivery.sent == count and not delivery.duplicates):
        raise CommandError(f"Mesure invalide : {delivery}, {count} courriels attendus.")
    return delivery
