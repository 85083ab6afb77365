"""The quarterly job computes and issues the quarter just ended, then renders the PDFs; run twice (a
redelivered message), it changes nothing."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.utils import timezone
from dramatiq_crontab import scheduler

from backoffice.core.audit.events import timeline
from backoffice.fees.models import FeePeriod, PeriodStatus, Statement
from backoffice.fees.rules import previous_quarter
from backoffice.fees.services import compute_period, freeze_period
from backoffice.fees.tasks import bill_quarter, render_statement_pdfs
from tests.fees.conftest import positioned

pytestmark = pytest.mark.django_db


def test_the_job_is_scheduled_once_a_quarter():
    job = {job.name: job for job in scheduler.get_jobs()}["bill_quarter"]
    assert job.func == bill_quarter.send
    now, fired, previous = timezone.now(), [], None
    while True:
        moment = job.trigger.get_next_fire_time(previous, previous or now)
        if moment > now + dt.timedelta(days=366):
            break
        fired.append(moment)
        previous = moment + dt.timedelta(seconds=1)
    assert len(fired) == 4
    assert {(moment.day, moment.month % 3) for moment in fired} == {(2, 1)}  # the 2nd of Jan, Apr, Jul, Oct


def test_the_job_issues_the_previous_quarter_with_its_pdfs_and_is_safe_to_run_twice(site_a, staff_a):
    start, end = previous_quarter(timezone.localdate())
    positioned(site_a, staff_a, start + dt.timedelta(days=10))

    bill_quarter.fn()

    period = FeePeriod.objects.get(start=start, end=end)
    assert period.status == PeriodStatus.FROZEN
    statement = Statement.objects.get(period=period, organisation=site_a.organisation)
    assert statement.number and statement.pdf and statement.total_ht > 0
    numbers = list(Statement.objects.values_list("number", "pdf"))

    bill_quarter.fn()
    render_statement_pdfs.fn(period.pk)

    assert list(Statement.objects.values_list("number", "pdf")) == numbers
    assert FeePeriod.objects.count() == 1


def test_a_quarter_overlapping_a_period_issued_by_hand_is_recorded_and_logged_as_an_error(
    site_a, finance, caplog
):
    start, end = previous_quarter(timezone.localdate())
    by_hand = freeze_period(compute_period(start + dt.timedelta(days=1), end, actor=finance), actor=finance)

    with caplog.at_level(logging.ERROR, logger="backoffice.fees.tasks"):
        bill_quarter.fn()

    assert list(FeePeriod.objects.all()) == [by_hand]
    event = timeline(by_hand).get(verb="fees.quarter_not_billed")
    assert event.actor is None and "chevauche" in event.summary
    assert [r.levelno for r in caplog.records] == [logging.ERROR]


def test_with_auto_issue_off_the_job_computes_a_draft_only(site_a, staff_a, settings):
    settings.FEES_AUTO_ISSUE = False
    start, end = previous_quarter(timezone.localdate())
    positioned(site_a, staff_a, start + dt.timedelta(days=10))

    bill_quarter.fn()

    period = FeePeriod.objects.get(start=start, end=end)
    assert period.status == PeriodStatus.DRAFT
    assert not Statement.objects.exclude(number="").exists()
