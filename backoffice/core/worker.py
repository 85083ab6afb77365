"""The demo's in-process Dramatiq worker: production runs `manage.py rundramatiq` instead."""

from __future__ import annotations

import threading
from typing import Any

import dramatiq
from django.db import transaction
from django.utils.module_loading import autodiscover_modules


def send_on_commit(send: Any, *args: Any) -> None:
    """Enqueue once the transaction has committed. `robust`: a broker that does not answer is logged, never
    raised to the person whose change is already saved (it would answer 500 and skip the later callbacks);
    each queue's sweeper re-sends what was not enqueued (outbox, imports, certificates, exports)."""

    def enqueue() -> None:  # a function, not a partial: Django's robust hook logs the callback's __qualname__
        send(*args)

    actor_name = getattr(getattr(send, "__self__", None), "actor_name", "")
    enqueue.__qualname__ = f"enqueue {actor_name}".strip()  # named in the logs (and the tests)
    transaction.on_commit(enqueue, robust=True)


def start_inprocess_worker(*, threads: int = 2) -> dramatiq.Worker:
    """Start worker threads on the configured broker inside this process."""
    autodiscover_modules("tasks")
    broker = dramatiq.get_broker()
    # Without process_boot the time-limit middleware never arms inside a web process.
    broker.emit_after("process_boot")
    worker = dramatiq.Worker(broker, worker_threads=threads)
    worker.start()
    return worker


def start_inprocess_scheduler() -> threading.Thread:
    """Send the periodic actors (`@cron`) from a thread of this process (demo: one process, no lock)."""
    from dramatiq_crontab import scheduler

    autodiscover_modules("tasks")
    for job in scheduler.get_jobs():
        if job.name == "heartbeat":  # dramatiq-crontab's own liveness log, every minute: noise in a demo
            job.remove()
    thread = threading.Thread(target=scheduler.start, name="dramatiq-crontab", daemon=True)
    thread.start()
    return thread
