from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from backoffice.core.audit.models import AuditEvent
from backoffice.surveys.cells import AGE_LABELS
from backoffice.surveys.models import Answer, Invitation, OptOut
from backoffice.surveys.services import (
    InvalidLink,
    add_months,
    answer,
    opt_out,
    send_due_invitations,
    usable_invitation,
)
from casefiles.models import Candidate, Certificate, CertificateStatus

from .conftest import SIX_MONTHS, VALID
from .helpers import links_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def invitation(survey) -> Invitation:
    send_due_invitations(SIX_MONTHS)
    return Invitation.objects.order_by("pk").first()


@pytest.fixture
def token(invitation) -> str:
    return links_for(invitation)["token"]


def test_an_answer_is_stored_with_its_cells_and_the_invitation_only_says_answered(invitation, token):
    stored = answer(token, {**VALID, "commentaire": "Très utile, merci."})
    invitation.refresh_from_db()
    assert invitation.answered
    assert (stored.wave_months, stored.questionnaire.version, stored.region_code) == (6, 1, "IDF")
    assert stored.certification_code == invitation.certificate.certification.code
    assert stored.age_band in AGE_LABELS
    assert stored.status_at_entry == invitation.certificate.case_file.status_at_opening == "jobseeker"
    assert stored.sex == invitation.candidate.sex
    assert stored.answers == {**VALID, "commentaire": "Très utile, merci."}
    assert stored.created_on == timezone.localdate().replace(day=1)  # its month only


def test_the_status_at_entry_is_the_one_given_at_the_opening_not_the_persons_current_one(invitation, token):
    # Since the file was opened the person found a job: an import or a rectification says so now.
    Candidate.objects.filter(pk=invitation.candidate_id).update(status="employee")

    stored = answer(token, VALID)

    assert stored.status_at_entry == "jobseeker"


def test_the_age_band_is_the_dashboards_one_at_the_award(invitation, token):
    certificate = invitation.certificate
    born = add_months(certificate.awarded_on, -12 * 27)
    Candidate.objects.filter(pk=invitation.candidate_id).update(birth_date=born)

    assert answer(token, VALID).age_band == "25-29"
    assert AGE_LABELS["25-29"] == "25 à 29 ans"


def test_a_link_used_twice_yields_one_answer(token):
    answer(token, VALID)
    with pytest.raises(InvalidLink):
        answer(token, VALID)
    assert Answer.objects.count() == 1


@pytest.mark.parametrize("forged", ["", "jeton-invalide", "A" * 43])
def test_a_forged_or_guessed_token_is_refused(invitation, forged):
    with pytest.raises(InvalidLink):
        answer(forged, VALID)
    assert not Answer.objects.exists()


def test_the_stored_hash_is_not_a_token(invitation):
    with pytest.raises(InvalidLink):
        answer(invitation.token_hash, VALID)


def test_an_expired_link_is_refused(invitation, token):
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(InvalidLink):
        answer(token, VALID)


def test_an_opted_out_person_can_no_longer_answer(invitation, token):
    assert opt_out(token) and opt_out(token)  # idempotent
    assert OptOut.objects.filter(candidate=invitation.candidate).count() == 1
    assert AuditEvent.objects.filter(verb="survey.opted_out").count() == 1
    with pytest.raises(InvalidLink):
        answer(token, VALID)


@pytest.mark.parametrize(
    "posted, key",
    [
        ({**VALID, "utilite": "6"}, "utilite"),
        ({**VALID, "situation": "astronaute"}, "situation"),
        ({**VALID, "utilite": ""}, "utilite"),
        ({**VALID, "contrat": ""}, "contrat"),
        ({**VALID, "commentaire": "x" * 100_000}, "commentaire"),
        ({**VALID, "commentaire": "x" * 2_001}, "commentaire"),
    ],
)
def test_invalid_answers_are_refused_with_a_french_message_and_nothing_stored(token, posted, key):
    with pytest.raises(ValidationError) as refused:
        answer(token, posted)
    assert key in refused.value.message_dict
    assert not Answer.objects.exists()
    assert Invitation.objects.filter(answered=False).count() == 2


def test_html_is_stripped_from_the_comment(token):
    stored = answer(token, {**VALID, "commentaire": "<script>alert(1)</script><b>Bien</b>"})
    assert stored.answers["commentaire"] == "alert(1)Bien"


def test_a_question_whose_condition_is_not_met_is_not_kept(token):
    stored = answer(token, {"situation": "recherche", "contrat": "cdi", "formation": "non", "utilite": "3"})
    assert "contrat" not in stored.answers


def test_no_field_of_an_answer_points_to_a_person_an_invitation_or_a_certificate():
    related = {f.related_model for f in Answer._meta.get_fields() if f.is_relation}
    assert related == {Answer.survey.field.related_model, Answer.questionnaire.field.related_model}
    personal = {"candidate", "invitation", "certificate", "email", "name", "token", "birth"}
    names = {f.name for f in Answer._meta.get_fields() if isinstance(f, models.Field)}
    assert not {n for n in names if any(word in n for word in personal)}


def test_a_holder_whose_certificate_was_revoked_can_no_longer_answer_but_can_opt_out(invitation, token):
    Certificate.objects.filter(pk=invitation.certificate_id).update(status=CertificateStatus.REVOKED)

    assert usable_invitation(token) is None
    with pytest.raises(InvalidLink):
        answer(token, VALID)
    assert not Answer.objects.exists()
    assert opt_out(links_for(invitation)["opt_out_token"])
    assert OptOut.objects.filter(candidate=invitation.candidate).exists()


def test_an_invitation_whose_certificate_is_gone_can_no_longer_be_answered(invitation, token):
    Invitation.objects.filter(pk=invitation.pk).update(certificate=None)

    with pytest.raises(InvalidLink):
        answer(token, VALID)
