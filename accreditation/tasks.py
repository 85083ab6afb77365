"""Background work on accreditations: takes no instances, re-reads state, safe to run twice."""

from __future__ import annotations

import logging

import dramatiq
from dramatiq_crontab import cron

from .services import expire_accreditations

logger = logging.getLogger(__name__)


@cron("30 2 * * *")  # every night
@dramatiq.actor(queue_name="default", max_retries=3)
def expire_accreditations_due() -> None:
    """Mark as expired every accreditation whose validity has ended (idempotent sweep)."""
    count = expire_accreditations()
    logger.info("Habilitations expirées : %s", count)
