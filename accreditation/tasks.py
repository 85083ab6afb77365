"""Background work on accreditations: takes no instances, re-reads state, safe to run twice."""

from __future__ import annotations

import logging

import dramatiq
from dramatiq_crontab import cron

from .models import AccreditationApplication
from .services import expire_accreditations
from .services.instruction import store_decision_letter

logger = logging.getLogger(__name__)


@cron("30 2 * * *")  # every night
@dramatiq.actor(queue_name="default", max_retries=3)
def expire_accreditations_due() -> None:
    """Mark as expired every accreditation whose validity has ended (idempotent sweep)."""
    count = expire_accreditations()
    logger.info("Habilitations expirées : %s", count)


@dramatiq.actor(queue_name="default", max_retries=5, time_limit=120_000)
def render_decision_letter_job(application_id: int) -> None:
    """Render a decided application's letter once; a redelivered message changes nothing."""
    if not AccreditationApplication.objects.filter(pk=application_id).exists():
        logger.warning("Candidature %s introuvable : message ignoré", application_id)
        return
    stored = store_decision_letter(application_id)
    logger.info("Lettre de décision de la candidature %s : %s", application_id, stored)
