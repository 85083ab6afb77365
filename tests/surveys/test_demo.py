"""The demo's survey: running, its 6-month wave sent through the outbox and delivered, some answers taken by
the service through the links the emails carried."""

from __future__ import annotations

import datetime as dt

import pytest

from backoffice.dashboards.filters import Filters
from backoffice.notifications.models import Notification, Status
from backoffice.surveys.models import Answer, Invitation, Survey, SurveyStatus
from backoffice.surveys.results import survey_results
from fixtures.demo import seed_demo
from fixtures.demo.world import Scale

pytestmark = pytest.mark.django_db
TINY = Scale(organisations=4, files=40, regions=("IDF",), lapsed_cohorts=1)


def test_the_demo_runs_a_survey_with_invitations_and_some_answers():
    report = seed_demo(scale=TINY, seed=5, today=dt.date.today())

    survey = Survey.objects.get(title="CléA : où en sont-ils ?")
    invitations = Invitation.objects.filter(survey=survey)
    answered = invitations.filter(answered=True).count()
    assert survey.status == SurveyStatus.RUNNING
    assert set(invitations.values_list("wave_months", flat=True)) == {6}
    assert (
        invitations.filter(no_email=False).count()
        == Notification.objects.filter(template="survey_invitation").count()
    )
    assert 0 < answered < invitations.count()
    emails = Notification.objects.filter(template="survey_invitation")
    assert set(emails.values_list("status", flat=True)) == {Status.SENT}
    counts = survey_results(survey, 6, "region", Filters(region_ids=None)).counts
    assert counts.delivered == counts.sent == emails.count()
    assert Answer.objects.filter(survey=survey).count() == answered
    assert "enquête de devenir" in "\n".join(report.lines())
    print(report.survey)
