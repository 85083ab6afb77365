"""Who opened a file is in its trail: one "dossier consulté" event per person, file and day, shown in the
file's timeline, at the cost of one insert on the first visit and no query on the next ones."""

from __future__ import annotations

import datetime as dt
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backoffice.core.audit.events import record
from backoffice.core.audit.models import AuditEvent
from casefiles.events import CaseFileEvent
from casefiles.services import record_consultation

pytestmark = pytest.mark.django_db


def page_of(case_file) -> str:  # type: ignore[no-untyped-def]
    return f"/candidats/dossiers/{case_file.pk}/detail/"


def views_of(case_file, user=None):  # type: ignore[no-untyped-def]
    events = AuditEvent.objects.for_subject(case_file).filter(verb=CaseFileEvent.VIEWED)
    return events.filter(actor=user) if user is not None else events


def test_opening_a_file_records_who_viewed_it_once_a_day(client_for, officer, evaluator, case_file):
    officer_client = client_for(officer)

    first = officer_client.get(page_of(case_file))
    officer_client.get(page_of(case_file))
    client_for(evaluator).get(page_of(case_file))

    assert first.status_code == 200
    assert views_of(case_file, officer).count() == 1
    assert views_of(case_file, evaluator).count() == 1
    event = views_of(case_file, officer).get()
    assert (event.actor_label, event.summary) == ("officer.idf", "Dossier consulté.")


def test_the_visit_shows_in_the_file_timeline_at_once(client_for, officer, case_file):
    page = unescape(client_for(officer).get(page_of(case_file)).content.decode())
    timeline = page.split('id="timeline"', 1)[1]
    assert 'Dossier consulté. <small class="bo-muted">(officer.idf)</small>' in timeline


def test_a_visit_on_another_day_is_recorded_again(client_for, officer, case_file):
    yesterday = timezone.now() - dt.timedelta(days=1)
    today = record(CaseFileEvent.VIEWED, actor=officer, subject=case_file, summary="Dossier consulté.")
    past = AuditEvent(  # the trail is append-only: yesterday's visit as the page would have read it
        occurred_at=yesterday,
        actor=officer,
        actor_label="officer.idf",
        verb=CaseFileEvent.VIEWED,
        subject_type=today.subject_type,
        subject_id=today.subject_id,
    )
    assert record_consultation(case_file, actor=officer, seen=[past]) is not None
    assert record_consultation(case_file, actor=officer, seen=[today]) is None


def test_without_the_timeline_at_hand_the_service_reads_today_s_visits(officer, supervisor, case_file):
    assert record_consultation(case_file, actor=officer) is not None
    assert record_consultation(case_file, actor=officer) is None
    assert record_consultation(case_file, actor=supervisor) is not None
    assert views_of(case_file).count() == 2


def test_an_outsider_gets_404_and_leaves_no_visit(client_for, officer_of_other_region, case_file):
    assert client_for(officer_of_other_region).get(page_of(case_file)).status_code == 404
    assert not views_of(case_file).exists()


def visit(client, case_file) -> list[str]:  # type: ignore[no-untyped-def]
    """The statements one visit runs, read at once (the connection's log is a bounded deque: its indexes
    shift once full, so a capture read later may show other statements)."""
    with CaptureQueriesContext(connection) as captured:
        assert client.get(page_of(case_file)).status_code == 200
    return [query["sql"] for query in captured.captured_queries]


def test_the_file_page_runs_a_constant_number_of_queries(
    client_for, officer, evaluator, supervisor, case_file
):
    client = client_for(officer)
    first = visit(client, case_file)
    second = visit(client, case_file)
    for person in (evaluator, supervisor):  # more events in the timeline
        visit(client_for(person), case_file)
    third = visit(client, case_file)

    inserts = [sql for sql in first if sql.startswith("INSERT") and '"audit_auditevent"' in sql]
    assert len(inserts) == 1
    assert not [sql for sql in second + third if sql.startswith("INSERT")]
    assert len(third) == len(second)
    assert len(first) <= len(second) + 2  # the insert, and the content types' cache filled once
