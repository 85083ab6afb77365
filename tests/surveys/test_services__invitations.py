from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.core.exceptions import PermissionDenied

from backoffice.core.audit.models import AuditEvent
from backoffice.notifications.models import Notification
from backoffice.surveys.models import Invitation, OptOut, Questionnaire
from backoffice.surveys.services import (
    GRACE_DAYS,
    answer,
    create_survey,
    opt_out,
    send_due_invitations,
    send_reminders,
)
from casefiles.models import Candidate, Certificate, CertificateStatus

from .conftest import AWARDED, SIX_MONTHS, TWELVE_MONTHS, VALID
from .helpers import links_for

pytestmark = pytest.mark.django_db


def test_an_officer_may_not_create_a_survey(officer, clea):
    with pytest.raises(PermissionDenied):
        create_survey(
            title="x",
            questionnaire=Questionnaire.objects.get(version=1),
            certifications=[clea],
            awarded_from=AWARDED,
            awarded_to=AWARDED,
            actor=officer,
        )


def test_the_supervisor_creates_and_starts_a_survey_audited(survey):
    assert survey.status == "running"
    assert survey.delays == [6, 12]
    verbs = set(AuditEvent.objects.filter(subject_id=str(survey.pk)).values_list("verb", flat=True))
    assert {"survey.created", "survey.started"} <= verbs


def test_nobody_is_invited_the_day_before_the_delay(survey):
    counts = send_due_invitations(SIX_MONTHS - dt.timedelta(days=1))
    assert (counts.sent, counts.no_email) == (0, 0)
    assert not Invitation.objects.exists()


def test_a_survey_started_late_does_not_ask_at_6_months_someone_certified_long_before(survey):
    # Two months after their 6-month delay (and before the 12-month one): too late for the 6-month wave.
    assert send_due_invitations(SIX_MONTHS + dt.timedelta(days=60)).sent == 0
    assert not Invitation.objects.exists()
    # Within the month after the delay, still invited.
    assert send_due_invitations(SIX_MONTHS + dt.timedelta(days=20)).sent == 2


def test_holders_are_invited_once_per_wave_with_an_email_in_the_outbox(survey, holders):
    counts = send_due_invitations(SIX_MONTHS)
    again = send_due_invitations(SIX_MONTHS + dt.timedelta(days=1))
    assert (counts.sent, counts.no_email, again.sent) == (2, 0, 0)
    invitation = Invitation.objects.order_by("pk").first()
    assert invitation.wave_months == 6
    assert invitation.expires_at.date() == SIX_MONTHS + dt.timedelta(days=60)
    emails = Notification.objects.filter(key__startswith="survey-invitation-", channel="email")
    assert sorted(emails.values_list("email", flat=True)) == [
        "titulaire0@example.org",
        "titulaire1@example.org",
    ]
    assert AuditEvent.objects.filter(verb="survey.invitation_sent").count() == 2


def test_the_token_itself_is_never_stored_only_its_hash(survey):
    send_due_invitations(SIX_MONTHS)
    invitation = Invitation.objects.order_by("pk").first()
    token = links_for(invitation)["token"]
    assert len(token) >= 40
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert not Invitation.objects.filter(token_hash=token).exists()


def test_the_twelve_month_wave_is_a_second_invitation(survey):
    send_due_invitations(SIX_MONTHS)
    send_due_invitations(TWELVE_MONTHS)
    assert sorted(Invitation.objects.values_list("wave_months", flat=True)) == [6, 6, 12, 12]


def test_opted_out_and_anonymised_holders_are_skipped(survey, holders):
    first, second = (Candidate.objects.get(case_files__certificate=c) for c in holders)
    OptOut.objects.create(candidate=first)
    Candidate.objects.filter(pk=second.pk).update(anonymised_on=AWARDED)
    counts = send_due_invitations(SIX_MONTHS)
    assert (counts.sent, counts.no_email) == (0, 0)


def test_a_holder_without_email_is_counted_with_no_usable_link(survey, holders):
    Candidate.objects.filter(case_files__certificate=holders[0]).update(email="")
    counts = send_due_invitations(SIX_MONTHS)
    assert (counts.sent, counts.no_email) == (1, 1)
    silent = Invitation.objects.get(no_email=True)
    assert silent.token_hash == "" and silent.sent_at is None


def test_a_survey_of_another_region_invites_nobody(survey, ara):
    survey.regions.set([ara])
    assert send_due_invitations(SIX_MONTHS).sent == 0


# Reminders


def test_reminders_are_at_most_two_seven_days_apart_each_with_a_new_link(survey):
    send_due_invitations(SIX_MONTHS)
    invitation = Invitation.objects.order_by("pk").first()
    first_token = links_for(invitation)["token"]
    assert send_reminders(SIX_MONTHS + dt.timedelta(days=6)) == 0
    assert send_reminders(SIX_MONTHS + dt.timedelta(days=7)) == 2
    invitation.refresh_from_db()
    second_token = links_for(invitation)["token"]
    assert second_token != first_token
    assert invitation.token_hash == hashlib.sha256(second_token.encode()).hexdigest()
    assert send_reminders(SIX_MONTHS + dt.timedelta(days=13)) == 0
    assert send_reminders(SIX_MONTHS + dt.timedelta(days=14)) == 2
    assert send_reminders(SIX_MONTHS + dt.timedelta(days=30)) == 0
    invitation.refresh_from_db()
    assert invitation.reminders == 2
    assert Notification.objects.filter(key__startswith="survey-reminder-").count() == 4


def test_no_reminder_after_an_answer_an_opt_out_or_the_expiry(survey, holders):
    send_due_invitations(SIX_MONTHS)
    first, second = Invitation.objects.order_by("pk")
    answer(links_for(first)["token"], VALID)
    opt_out(links_for(second)["opt_out_token"])
    assert send_reminders(SIX_MONTHS + dt.timedelta(days=7)) == 0
    assert send_reminders(SIX_MONTHS + dt.timedelta(days=61)) == 0


# Holders without an email, certificates revoked


def test_a_holder_without_email_is_invited_once_an_email_is_added_while_the_wave_is_open(survey, holders):
    Candidate.objects.filter(case_files__certificate=holders[0]).update(email="")
    send_due_invitations(SIX_MONTHS)
    silent = Invitation.objects.get(no_email=True)
    Candidate.objects.filter(pk=silent.candidate_id).update(email="nouvelle@example.org")
    later = SIX_MONTHS + dt.timedelta(days=10)

    counts = send_due_invitations(later)

    silent.refresh_from_db()
    assert (counts.sent, counts.no_email) == (1, 0)
    assert not silent.no_email and silent.sent_at.date() == later and silent.token_hash
    assert silent.expires_at.date() == later + dt.timedelta(days=60)
    assert AuditEvent.objects.filter(verb="survey.invitation_sent", subject_id=str(silent.pk)).exists()
    assert Notification.objects.get(key__startswith=f"survey-invitation-{silent.pk}:").email == (
        "nouvelle@example.org"
    )
    assert answer(links_for(silent)["token"], VALID)
    assert send_due_invitations(later + dt.timedelta(days=1)).sent == 0  # once


def test_a_holder_without_email_is_not_invited_once_the_wave_is_closed(survey, holders):
    Candidate.objects.filter(case_files__certificate=holders[0]).update(email="")
    send_due_invitations(SIX_MONTHS)
    Candidate.objects.filter(case_files__certificate=holders[0]).update(email="tardive@example.org")

    assert send_due_invitations(SIX_MONTHS + dt.timedelta(days=GRACE_DAYS + 1)).sent == 0
    assert Invitation.objects.get(certificate=holders[0]).no_email


def test_a_holder_without_email_whose_certificate_was_revoked_is_not_invited(survey, holders):
    Candidate.objects.filter(case_files__certificate=holders[0]).update(email="")
    send_due_invitations(SIX_MONTHS)
    Candidate.objects.filter(case_files__certificate=holders[0]).update(email="retire@example.org")
    Certificate.objects.filter(pk=holders[0].pk).update(status=CertificateStatus.REVOKED)

    assert send_due_invitations(SIX_MONTHS + dt.timedelta(days=3)).sent == 0


def test_no_reminder_to_a_holder_whose_certificate_was_revoked_since(survey, holders):
    send_due_invitations(SIX_MONTHS)
    Certificate.objects.filter(pk=holders[0].pk).update(status=CertificateStatus.REVOKED)

    assert send_reminders(SIX_MONTHS + dt.timedelta(days=7)) == 1
    assert Invitation.objects.get(certificate=holders[0]).reminders == 0
    assert Invitation.objects.get(certificate=holders[1]).reminders == 1
