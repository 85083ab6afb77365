"""The API's actors: a large lot through the import worker's steps, and the nightly purge of the answers kept
for idempotent retries."""

from __future__ import annotations

import dramatiq
from dramatiq_crontab import cron

from . import lots, services

LONG = 60 * 60 * 1000


@dramatiq.actor(queue_name="imports", max_retries=5, time_limit=LONG)
def run_lot_job(lot_id: int) -> None:
    """Check, confirm and apply a lot's import, then keep each item's answer (safe to run twice)."""
    lots.run_lot(lot_id)


@cron("23 * * * *")
@dramatiq.actor(queue_name="default", max_retries=3)
def purge_idempotent_requests() -> None:
    """Forget the answers kept for retries once 24 hours old."""
    services.purge_idempotent_requests()


@cron("*/5 * * * *")
@dramatiq.actor(queue_name="default", max_retries=3)
def resume_stalled_lots() -> None:
    """Send again the lots whose worker died or gave up: their import's steps resume safely."""
    for lot_id in lots.stalled_lots():
        run_lot_job.send(lot_id)
