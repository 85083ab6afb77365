"""Background work on case files: takes no instances, re-reads state, safe to run twice."""

from __future__ import annotations

import logging

import dramatiq
from dramatiq_crontab import cron

from .services import anonymise_candidates

logger = logging.getLogger(__name__)


@cron("0 3 1 * *")  # the first day of every month, at night
@dramatiq.actor(queue_name="default", max_retries=3, time_limit=60 * 60 * 1000)
def anonymise_expired_candidates() -> None:
    """Anonymise the candidates whose files are all closed for longer than the retention period
    (CANDIDATE_RETENTION_YEARS); a candidate already anonymised is left as is."""
    for line in anonymise_candidates().lines():
        logger.info("Données personnelles : %s", line)
