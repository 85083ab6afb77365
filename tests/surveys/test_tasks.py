from __future__ import annotations

import pytest
from dramatiq_crontab import scheduler

from backoffice.surveys.models import Invitation
from backoffice.surveys.tasks import send_survey_invitations

pytestmark = pytest.mark.django_db


def test_the_daily_actor_is_scheduled_at_half_past_six_and_invites_the_due_holders(survey):
    job = {job.name: job for job in scheduler.get_jobs()}["send_survey_invitations"]
    fields = {field.name: str(field) for field in job.trigger.fields}
    assert (fields["hour"], fields["minute"]) == ("6", "30")
    send_survey_invitations.fn()
    send_survey_invitations.fn()  # safe to run twice
    assert Invitation.objects.count() == 2
