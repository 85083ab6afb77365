"""Background work on case files: takes no instances, re-reads state, safe to run twice."""

from __future__ import annotations

import logging

import dramatiq
from django.core.exceptions import ValidationError
from dramatiq_crontab import cron

from .services import anonymise_candidates
from .services.credentials import issue_missing_credentials, publish_stale_status_lists
from .services.transmissions import build_transmission, purge_transmission_files, request_transmission

logger = logging.getLogger(__name__)


@cron("0 3 1 * *")  # the first day of every month, at night
@dramatiq.actor(queue_name="default", max_retries=3, time_limit=60 * 60 * 1000)
def anonymise_expired_candidates() -> None:
    """Anonymise the candidates whose files are all closed for longer than the retention period
    (CANDIDATE_RETENTION_YEARS); a candidate already anonymised is left as is."""
    for line in anonymise_candidates().lines():
        logger.info("Données personnelles : %s", line)
    logger.info("Fichiers de transmission au SI CPF supprimés : %s", purge_transmission_files())


@dramatiq.actor(queue_name="default", max_retries=3, time_limit=2 * 60 * 60 * 1000)
def build_transmission_file(transmission_id: int) -> None:
    """Build, validate and offer the XML file of a transmission to the SI CPF (redelivery finds it built)."""
    logger.info("Transmission %s : %s", transmission_id, build_transmission(transmission_id))


@cron("0 5 2 * *")  # the second day of every month, early: the month's holders go in one file
@dramatiq.actor(queue_name="default", max_retries=3)
def monthly_transmission() -> None:
    """Start the month's transmission to the SI CPF when holders are due and none is being built; a
    supervisor downloads it, deposits it on the CDC's portal and records the receipt."""
    try:
        transmission = request_transmission(actor=None)
    except ValidationError as error:
        logger.info("Transmission mensuelle : %s", " ".join(error.messages))
    else:
        logger.info("Transmission mensuelle demandée : %s", transmission.id_flux)


@dramatiq.actor(queue_name="default", max_retries=5)
def publish_status_lists() -> None:
    """Republish the revocation lists a revocation or reinstatement made stale (sent after its commit)."""
    logger.info("Listes de statuts publiées : %s", publish_stale_status_lists())


@cron("*/15 * * * *")  # a safety net behind the message sent at each change; and the catch-up of credentials
@dramatiq.actor(queue_name="default", max_retries=3, time_limit=30 * 60 * 1000)
def credentials_catch_up() -> None:
    """Issue the missing credentials (a thousand at a time), then publish the stale lists."""
    logger.info("Attestations numériques émises : %s", issue_missing_credentials())
    logger.info("Listes de statuts publiées : %s", publish_stale_status_lists())
