"""Background exports: take a job id, re-read the job and its requester, safe to run twice."""

from __future__ import annotations

import datetime as dt
import logging

import dramatiq
from django.utils import timezone
from dramatiq_crontab import cron

from .models import ExportJob, ExportStatus
from .services import prepare_export, purge_expired_exports

logger = logging.getLogger(__name__)


@dramatiq.actor(queue_name="default", max_retries=3, time_limit=30 * 60 * 1000)
def prepare_export_job(job_id: int) -> None:
    """Write the export's file for its requester; a redelivered message after it is done changes nothing."""
    outcome = prepare_export(job_id)
    logger.info("Export %s : %s", job_id, outcome)


@cron("45 2 * * *")  # every night
@dramatiq.actor(queue_name="default", max_retries=3)
def purge_expired_exports_due() -> None:
    """Delete the export files older than the retention period (idempotent sweep)."""
    logger.info("Fichiers d'export supprimés : %s", purge_expired_exports())


@cron("*/10 * * * *")
@dramatiq.actor(queue_name="default", max_retries=3)
def prepare_pending_exports() -> None:
    """Re-send the exports still waiting after 10 minutes (a message the broker lost or never received)."""
    stale = timezone.now() - dt.timedelta(minutes=10)
    pending = ExportJob.objects.filter(status=ExportStatus.PENDING, created_at__lt=stale)
    ids = list(pending.values_list("pk", flat=True))
    for pk in ids:
        prepare_export_job.send(pk)
    logger.info("Exports en attente renvoyés : %s", len(ids))
