"""Import actors: they take a job's id and re-read it; a second delivery changes nothing."""

from __future__ import annotations

import logging

import dramatiq
from dramatiq_crontab import cron

from . import services

logger = logging.getLogger(__name__)
LONG = 60 * 60 * 1000  # a 100,000-row file takes about a minute: an hour is a generous bound


@dramatiq.actor(queue_name="imports", max_retries=5, time_limit=LONG)
def check_import_job(job_id: int) -> None:
    """Dry run of an uploaded file."""
    services.check_import(job_id)


@dramatiq.actor(queue_name="imports", max_retries=5, time_limit=LONG)
def apply_import_job(job_id: int) -> None:
    """Apply a confirmed import, all or nothing."""
    services.apply_import(job_id)


@cron("*/5 * * * *")
@dramatiq.actor(queue_name="default", max_retries=3)
def resume_stalled_imports() -> None:
    """Send again the jobs whose worker died (killed, restarted): each step resumes from scratch, safely."""
    for step, job_id in services.stalled_imports():
        logger.warning("Import %s : étape « %s » relancée", job_id, step)
        (check_import_job if step == "validate" else apply_import_job).send(job_id)
