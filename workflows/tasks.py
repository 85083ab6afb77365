"""Periodic work of the pathway, run by the worker."""

from __future__ import annotations

import logging

import dramatiq
from dramatiq_crontab import cron
from viewflow.workflow.timers import fire_due_timers

from .actions import expire_pathways

logger = logging.getLogger(__name__)


@cron("15 2 * * *")  # every night: a safety net behind the timers
@dramatiq.actor(queue_name="default", max_retries=3)
def expire_pathways_due() -> None:
    """Close the case files whose 5-year window has ended (idempotent sweep)."""
    logger.info("Dossiers expirés : %s", expire_pathways())


@cron("*/5 * * * *")
@dramatiq.actor(queue_name="default", max_retries=3)
def fire_workflow_timers() -> None:
    """Fire the due Viewflow timers (the 5-year window of each waiting file); safe to run twice."""
    logger.info("Minuteries Viewflow déclenchées : %s", fire_due_timers())
