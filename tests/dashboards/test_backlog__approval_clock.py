"""The backlog's lateness of the completeness check follows the application's clock: a check resumed after a
request for information is due when the days that were left run out, not a fresh period after the answer."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accreditation.models import AccreditationApplication, Certification
from accreditation.services import move_campaign
from tests.accreditation.test_services__campaigns import draft
from tests.dashboards.helpers import table
from tests.dashboards.test_backlog__approval import URL, application

pytestmark = pytest.mark.django_db


def test_a_check_resumed_without_days_left_is_late_though_its_task_is_new(client_for, supervisor, officer):
    campaign = move_campaign(
        draft(officer, certifications=Certification.objects.filter(code="CLEA_NUM")), "open", actor=officer
    )
    alpha = application(campaign, "Alpha", [("93200", ["CLEA_NUM"])])
    # Answered just now, to a request made when the check was due: its task is new, its clock spent.
    AccreditationApplication.objects.filter(pk=alpha.pk).update(
        check_due_at=timezone.now() - dt.timedelta(hours=1)
    )

    response = client_for(supervisor).get(URL)

    # open, < 7, 7–30, 30–90, > 90, late
    assert table(response, "instruction-etapes") == [
        ["Vérification de complétude", "1", "1", "0", "0", "0", "1"]
    ]
