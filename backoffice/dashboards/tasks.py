"""Scheduled work of the dashboards: the outcome facts refreshed every hour."""

from __future__ import annotations

import logging

import dramatiq
from dramatiq_crontab import cron

from .facts import refresh_facts

logger = logging.getLogger(__name__)


@cron("7 * * * *")  # every hour
@dramatiq.actor(queue_name="default", max_retries=3, time_limit=30 * 60 * 1000)
def refresh_outcome_facts() -> None:
    logger.info("Faits des tableaux de bord recalculés en %.1f s", refresh_facts())
