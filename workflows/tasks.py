"""Periodic work of the pathway, run by the worker."""

from __future__ import annotations

import logging

import dramatiq

from .actions import expire_pathways

logger = logging.getLogger(__name__)


@dramatiq.actor(queue_name="default", max_retries=3)
def expire_pathways_due() -> None:
    """Close the case files whose 5-year window has ended (idempotent sweep)."""
    logger.info("Dossiers expirés : %s", expire_pathways())
