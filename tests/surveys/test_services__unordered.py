"""Nothing puts the answers back in the invitations' order: the answer's key is random, the invitation keeps
only « answered » (not when), no audit event is written per answer — the daily job notes a count per wave."""

from __future__ import annotations

import uuid

import pytest
from django.db import models

from backoffice.core.audit.models import AuditEvent
from backoffice.surveys.models import Answer, Invitation
from backoffice.surveys.services import (
    ANSWERS_RECEIVED,
    answer,
    record_answers_received,
    send_due_invitations,
)
from backoffice.surveys.tasks import send_survey_invitations

from .conftest import SIX_MONTHS, VALID
from .helpers import links_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def invitations(survey) -> list[Invitation]:
    send_due_invitations(SIX_MONTHS)
    return list(Invitation.objects.order_by("pk"))


def columns(row: models.Model) -> dict[str, object]:
    return {field.attname: getattr(row, field.attname) for field in row._meta.concrete_fields}


def test_an_answers_key_is_random_not_a_sequence(invitations):
    first, second = (answer(links_for(invitation)["token"], VALID) for invitation in invitations)

    assert isinstance(first.pk, uuid.UUID) and first.pk.version == 4
    assert isinstance(second.pk, uuid.UUID) and first.pk != second.pk
    assert isinstance(Answer._meta.pk, models.UUIDField)
    assert not Answer._meta.ordering  # no order the answers would come back in


def test_answering_marks_the_invitation_answered_and_nothing_says_when(invitations):
    invitation = invitations[0]
    before, events = columns(invitation), AuditEvent.objects.count()

    answer(links_for(invitation)["token"], VALID)

    invitation.refresh_from_db()
    after = columns(invitation)
    assert {name for name in after if after[name] != before[name]} == {"answered"}
    assert after["answered"] is True
    assert AuditEvent.objects.count() == events  # no event per answer: its moment would pair them


def test_the_daily_job_notes_the_number_of_answers_of_each_wave_once(invitations):
    first, second = invitations
    answer(links_for(first)["token"], VALID)

    assert record_answers_received() == 1
    assert record_answers_received() == 0  # nothing new, nothing written
    answer(links_for(second)["token"], VALID)
    send_survey_invitations.fn()  # the daily job

    notes = AuditEvent.objects.filter(verb=ANSWERS_RECEIVED).order_by("occurred_at", "pk")
    assert [note.summary for note in notes] == [
        "Vague à 6 mois : 1 réponse.",
        "Vague à 6 mois : 2 réponses (+1 depuis le relevé précédent).",
    ]
    assert notes.last().data == {"vague": 6, "reponses": 2}
    assert {note.subject_id for note in notes} == {str(first.survey_id)}  # the survey, never an invitation
