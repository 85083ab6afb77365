"""The processes' work in the worker. Viewflow's timers serve both flows; each process's own actors live
in its package and are imported here, where the worker and dramatiq-crontab look for every app's actors."""

from __future__ import annotations

import logging

import dramatiq
from dramatiq_crontab import cron
from viewflow.workflow.timers import fire_due_timers

from workflows.pathway.tasks import (  # noqa: F401  (found here by the worker and the scheduler)
    expire_pathways_due,
    issue_certificate_job,
    issue_pending_certificates,
)

logger = logging.getLogger(__name__)


@cron("*/5 * * * *")
@dramatiq.actor(queue_name="default", max_retries=3)
def fire_workflow_timers() -> None:
    """Fire the due Viewflow timers (the 5-year window of each waiting file); safe to run twice."""
    logger.info("Minuteries Viewflow déclenchées : %s", fire_due_timers())
