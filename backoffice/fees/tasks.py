"""The fees' background work: takes ids, re-reads state, safe to run twice."""

from __future__ import annotations

import logging

import dramatiq
from django.core.exceptions import ValidationError
from django.utils import timezone
from dramatiq_crontab import cron

from .models import Statement, StatementStatus
from .services import bill_previous_quarter, render_statement_pdf

logger = logging.getLogger(__name__)


@cron("0 4 2 1,4,7,10 *")  # the second day of each quarter, at night: the quarter just ended
@dramatiq.actor(queue_name="default", max_retries=3, time_limit=2 * 60 * 60 * 1000)
def bill_quarter() -> None:
    """Compute and issue the statements of the quarter just ended (already issued: left as they are), then
    render their PDFs."""
    try:
        period = bill_previous_quarter(timezone.localdate())
    except ValidationError as error:  # e.g. a period issued by hand overlaps the quarter
        logger.warning("Redevances du trimestre : %s", " ".join(error.messages))
        return
    logger.info("Redevances %s : relevés émis, %s PDF rendus", period, render_missing_pdfs(period.pk))


@dramatiq.actor(queue_name="default", max_retries=3, time_limit=60 * 60 * 1000)
def render_statement_pdfs(period_id: int) -> None:
    """Render the PDFs of a period's issued statements that have none (sent once a period is issued)."""
    logger.info("Relevés de redevances : %s PDF rendus", render_missing_pdfs(period_id))


def render_missing_pdfs(period_id: int) -> int:
    ids = (
        Statement.objects.filter(period_id=period_id, pdf="")
        .exclude(status=StatementStatus.DRAFT)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return sum(render_statement_pdf(pk) for pk in ids)
