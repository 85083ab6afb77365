"""The demo's in-process Dramatiq worker: production runs `manage.py rundramatiq` instead."""

from __future__ import annotations

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
