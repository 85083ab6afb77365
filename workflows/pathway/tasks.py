"""The pathway's work in the worker: the nightly lapse sweep, the certificates' issuance and PDFs, the jury
minutes' PDF."""

from __future__ import annotations

import datetime as dt
import logging

import dramatiq
from django.utils import timezone
from dramatiq_crontab import cron

from casefiles.models import Certificate, CertificateStatus, JurySession
from casefiles.services.certificates import render_certificate_pdf
from casefiles.services.decisions import store_minutes
from workflows.pathway.commands import expire_pathways, finish_issuance, issue_certificates

logger = logging.getLogger(__name__)


@cron("15 2 * * *")  # every night: a safety net behind the timers
@dramatiq.actor(queue_name="default", max_retries=3)
def expire_pathways_due() -> None:
    """Close the case files whose 5-year window has ended (idempotent sweep)."""
    logger.info("Dossiers expirés : %s", expire_pathways())


@dramatiq.actor(queue_name="default", max_retries=5, time_limit=120_000)
def issue_certificate_job(certificate_id: int) -> None:
    """Issue the certificate (its pathway ends), then render its PDF; a redelivered message changes
    nothing."""
    if not Certificate.objects.filter(pk=certificate_id).exists():  # a stale message: nothing to issue
        logger.warning("Certificat %s introuvable : message ignoré", certificate_id)
        return
    issued = issue_certificates([certificate_id])
    rendered = render_certificate_pdf(certificate_id)
    moved = finish_issuance(certificate_id)  # a certificate issued before its pathway could move
    logger.info(
        "Certificat %s : délivré %s, PDF %s, parcours %s", certificate_id, bool(issued), rendered, moved
    )


@dramatiq.actor(queue_name="default", max_retries=5, time_limit=120_000)
def render_minutes_job(session_id: int) -> None:
    """Render a closed session's procès-verbal once; a redelivered message changes nothing."""
    if not JurySession.objects.filter(pk=session_id).exists():
        logger.warning("Session de jury %s introuvable : message ignoré", session_id)
        return
    logger.info("Procès-verbal de la session %s : %s", session_id, store_minutes(session_id))


@cron("*/10 * * * *")
@dramatiq.actor(queue_name="default", max_retries=3)
def issue_pending_certificates() -> None:
    """Re-send the PDF job of certificates still pending after 10 minutes (lost message, broker restart)."""
    stale = timezone.now() - dt.timedelta(minutes=10)
    pending = Certificate.objects.filter(status=CertificateStatus.PENDING, created_at__lt=stale)
    for pk in pending.values_list("pk", flat=True):
        issue_certificate_job.send(pk)
