"""The demo's in-process Dramatiq worker: production runs `manage.py rundramatiq` instead."""

from __future__ import annotations

import threading

import dramatiq
from django.utils.module_loading import autodiscover_modules


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
