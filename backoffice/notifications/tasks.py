"""Delivering the outbox and the scheduled notifications: every actor re-reads the rows, safe to run twice."""

from __future__ import annotations

import logging

import dramatiq
from django.utils import timezone
from dramatiq_crontab import cron

from . import reminders, services

logger = logging.getLogger(__name__)


@dramatiq.actor(
    queue_name="notifications",
    max_retries=services.MAX_ATTEMPTS - 1,
    min_backoff=15_000,  # 15 s, then doubling (with jitter) up to an hour
    max_backoff=3_600_000,
    retry_when=lambda retries, error: (
        isinstance(error, services.DeliveryError) and retries < services.MAX_ATTEMPTS - 1
    ),
)
def deliver_notification(notification_id: int) -> None:
    """Send one email of the outbox; a message redelivered after it was sent changes nothing."""
    logger.info("Notification %s : %s", notification_id, services.deliver(notification_id))


@cron("*/5 * * * *")
@dramatiq.actor(queue_name="default", max_retries=3)
def sweep_outbox() -> None:
    """Enqueue again the emails whose message was lost (worker or broker restarted)."""
    logger.info("Notifications renvoyées à la file : %s", services.sweep_outbox())


@cron("0 7 * * *")  # every morning
@dramatiq.actor(queue_name="default", max_retries=3)
def send_daily_digests() -> None:
    logger.info("Récapitulatifs quotidiens : %s", services.send_digests())


@cron("0 6 * * *")  # every morning, before the digests
@dramatiq.actor(queue_name="default", max_retries=3)
def send_reminders() -> None:
    """Expiring accreditations, ending 5-year windows, jury convocations, answers due, overdue tasks: each
    reminder once."""
    today = timezone.localdate()
    written = (
        reminders.remind_accreditations(today)
        + reminders.remind_qualiopi(today)
        + reminders.remind_windows(today)
        + reminders.convene_juries(today)
        + reminders.remind_answers(today)
        + reminders.remind_overdue_tasks(today)
        + reminders.remind_transmissions(today)
    )
    logger.info("Rappels écrits : %s", written)
