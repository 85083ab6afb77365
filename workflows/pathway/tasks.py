"""The pathway's work in the worker: the nightly lapse sweep and the certificates' PDFs."""

from __future__ import annotations

import datetime as dt
import logging

import dramatiq
from django.utils import timezone
from dramatiq_crontab import cron

from casefiles import services
from casefiles.models import Certificate, CertificateStatus
from workflows.pathway.commands import expire_pathways, finish_issuance

logger = logging.getLogger(__name__)


@cron("15 2 * * *")  # every night: a safety net behind the timers
@dramatiq.actor(queue_name="default", max_retries=3)
def expire_pathways_due() -> None:
    """Close the case files whose 5-year window has ended (idempotent sweep)."""
    logger.info("Dossiers expirés : %s", expire_pathways())


@dramatiq.actor(queue_name="default", max_retries=5, time_limit=120_000)
def issue_certificate_job(certificate_id: int) -> None:
    """Render the certificate's PDF, then let its pathway end; a redelivered message changes nothing."""
    if not Certificate.objects.filter(pk=certificate_id).exists():  # a stale message: nothing to issue
        logger.warning("Certificat %s introuvable : message ignoré", certificate_id)
        return
    rendered = services.issue_certificate(certificate_id)
    issued = Certificate.objects.filter(pk=certificate_id, status=CertificateStatus.ISSUED).exists()
    moved = finish_issuance(certificate_id) if issued else False
    logger.info("Certificat %s : PDF %s, parcours %s", certificate_id, rendered, moved)


@cron("*/10 * * * *")
@dramatiq.actor(queue_name="default", max_retries=3)
def issue_pending_certificates() -> None:
    """Re-send the PDF job of certificates still pending after 10 minutes (lost message, broker restart)."""
    stale = timezone.now() - dt.timedelta(minutes=10)
    pending = Certificate.objects.filter(status=CertificateStatus.PENDING, created_at__lt=stale)
    for pk in pending.values_list("pk", flat=True):
        issue_certificate_job.send(pk)
