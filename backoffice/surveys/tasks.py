"""The surveys' daily job: invitations whose delay is reached, reminders, then the trail's note of the answers
received (a count per wave, never an event per answer). Safe to run twice a day."""

from __future__ import annotations

import logging

import dramatiq
from django.utils import timezone
from dramatiq_crontab import cron

from .services import record_answers_received, send_due_invitations, send_reminders

logger = logging.getLogger(__name__)


@cron("30 6 * * *")  # every morning
@dramatiq.actor(queue_name="default", max_retries=3)
def send_survey_invitations() -> None:
    """Invite the holders whose 6- or 12-month delay is reached, remind those who have not answered, and
    note in the trail the number of answers of each wave."""
    today = timezone.localdate()
    counts = send_due_invitations(today)
    reminded = send_reminders(today)
    record_answers_received()
    logger.info(
        "Enquêtes : %s invitations, %s sans e-mail, %s relances", counts.sent, counts.no_email, reminded
    )
