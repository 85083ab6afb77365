"""The surveys' daily job: invitations whose delay is reached, then reminders. Safe to run twice a day."""

from __future__ import annotations

import logging

import dramatiq
from django.utils import timezone
from dramatiq_crontab import cron

from .services import send_due_invitations, send_reminders

logger = logging.getLogger(__name__)


@cron("30 6 * * *")  # every morning
@dramatiq.actor(queue_name="default", max_retries=3)
def send_survey_invitations() -> None:
    """Invite the holders whose 6- or 12-month delay is reached, and remind those who have not answered."""
    today = timezone.localdate()
    counts = send_due_invitations(today)
    reminded = send_reminders(today)
    logger.info(
        "Enquêtes : %s invitations, %s sans e-mail, %s relances", counts.sent, counts.no_email, reminded
    )
