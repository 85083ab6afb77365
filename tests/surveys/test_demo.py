"""The demo's survey: running, its 6-month wave sent through the outbox, some answers taken by the service."""

from __future__ import annotations

import datetime as dt

import pytest

from backoffice.notifications.models import Notification
from backoffice.surveys.models import Answer, Invitation, Survey, SurveyStatus
from fixtures.demo import seed_demo
from fixtures.demo.world import Scale

pytestmark = pytest.mark.django_db
TINY = Scale(organisations=4, files=40, regions=("IDF",), lapsed_cohorts=1)


def test_the_demo_runs_a_survey_with_invitations_and_some_answers():
    report = seed_demo(scale=TINY, seed=5, today=dt.date.today())

    survey = Survey.objects.get(title="CléA : où en sont-ils ?")
    invitations = Invitation.objects.filter(survey=survey)
    answered = invitations.filter(answered_at__isnull=False).count()
    assert survey.status == SurveyStatus.RUNNING
    assert set(invitations.values_list("wave_months", flat=True)) == {6}
    assert (
        invitations.filter(no_email=False).count()
        == Notification.objects.filter(template="survey_invitation").count()
    )
    assert 0 < answered < invitations.count()
    assert Answer.objects.filter(survey=survey).count() == answered
    assert "enquête de devenir" in "\n".join(report.lines())
    print(report.survey)
