"""Data migration 0004: the answers written before get a random key (given in a random order), the
invitations keep whether they were answered, no longer the day."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from backoffice.surveys.models import Answer, Invitation
from backoffice.surveys.services import answer, send_due_invitations
from tests.migrating import migrated_back

from .conftest import SIX_MONTHS, VALID
from .helpers import links_for

pytestmark = pytest.mark.django_db

BEFORE = [("surveys", "0003_links_derived")]
ANSWERS = 30


def test_answers_get_random_keys_and_invitations_only_say_answered(survey):
    send_due_invitations(SIX_MONTHS)
    answer(links_for(Invitation.objects.order_by("pk").last())["token"], VALID)  # taken back, then forward
    with migrated_back(BEFORE) as old:
        OldAnswer = old.get_model("surveys", "Answer")
        assert [type(pk) for pk in OldAnswer.objects.values_list("pk", flat=True)] == [int]
        assert old.get_model("surveys", "Invitation").objects.filter(answered_at__isnull=False).count() == 1
        for number in range(ANSWERS):
            OldAnswer.objects.create(
                survey_id=survey.pk,
                wave_months=6,
                questionnaire_id=survey.questionnaire_id,
                certification_code="CLEA",
                region_code="IDF",
                age_band="30-44",
                answers={**VALID, "numero": number},
                created_on=SIX_MONTHS.replace(day=1),
            )
        first = old.get_model("surveys", "Invitation").objects.order_by("pk").first()
        first.answered_at = timezone.make_aware(dt.datetime.combine(SIX_MONTHS, dt.time()))
        first.save()

    stored = list(Answer.objects.filter(answers__has_key="numero"))
    assert len(stored) == ANSWERS and Answer.objects.count() == ANSWERS + 1
    assert len({row.pk for row in stored}) == ANSWERS and all(row.pk.version == 4 for row in stored)
    by_key = [row.answers["numero"] for row in sorted(stored, key=lambda row: row.pk)]
    assert by_key != list(range(ANSWERS))  # the keys do not keep the order (one chance in 30! otherwise)
    assert list(Invitation.objects.order_by("pk").values_list("answered", flat=True)) == [True, True]
