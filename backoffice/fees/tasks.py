"""The fees' background work: takes ids, re-reads state, safe to run twice."""

from __future__ import annotations

import logging

import dramatiq
from django.conf import settings
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
    render their PDFs; with `FEES_AUTO_ISSUE` off, compute a draft only, for finance to issue."""
    issue = settings.FEES_AUTO_ISSUE
    try:
        period = bill_previous_quarter(timezone.localdate(), issue=issue)
    except ValidationError as error:  # a period issued by hand overlaps the quarter: recorded on its timeline
        logger.error("Redevances du trimestre non facturées : %s", " ".join(error.messages))
        return
    if not period.is_frozen:
        logger.info("Redevances %s : brouillon calculé, à émettre par la finance", period)
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
