from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from backoffice.surveys.models import Questionnaire, Survey
from backoffice.surveys.services import add_months, create_survey, start_survey
from casefiles.models import Candidate
from tests.backoffice.conftest import (  # noqa: F401
    assessor,
    awarded,
    candidate_data,
    clea,
    employee_member,
    framework,
    issued,
    session,
    third_member,
    trainer_person,
    training_site,
    two_ready_files,
)

SIX_MONTHS = timezone.localdate()  # the 6-month wave of AWARDED is due today: links are valid now
AWARDED = add_months(SIX_MONTHS, -6)
while add_months(AWARDED, 6) != SIX_MONTHS:  # today is the 29th-31st of a month longer than 6 months before
    AWARDED -= dt.timedelta(days=1)
TWELVE_MONTHS = add_months(AWARDED, 12)


@pytest.fixture
def holders(issued):  # noqa: F811
    """The two issued IDF certificates, awarded on AWARDED, their holders with an email address."""
    issued.update(awarded_on=AWARDED)
    for number, certificate in enumerate(issued):
        Candidate.objects.filter(case_files__certificate=certificate).update(
            email=f"titulaire{number}@example.org"
        )
    return list(issued)


@pytest.fixture
def survey(holders, supervisor, clea) -> Survey:  # noqa: F811
    """A running survey of CléA holders awarded around AWARDED, waves at 6 and 12 months, all regions."""
    created = create_survey(
        title="CléA : où en sont-ils ?",
        questionnaire=Questionnaire.objects.get(version=1),
        certifications=[clea],
        awarded_from=AWARDED - dt.timedelta(days=100),
        awarded_to=AWARDED + dt.timedelta(days=100),
        actor=supervisor,
    )
    return start_survey(created, actor=supervisor)


VALID = {"situation": "salarie", "contrat": "cdi", "temps": "plein", "formation": "non", "utilite": "4"}
