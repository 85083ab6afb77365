"""Surveys: defining and starting them, inviting the holders whose delay is reached, reminding them, taking
an answer (kept apart from the person) and an opt-out. Every change is audited in its transaction but the
answer: anonymous, it gets no event of its own (its moment would name who answered); the daily job notes the
number of answers (`record_answers_received`).

Links (`tokens`): derived from the secret key, the invitation and the email's number, never stored; only
their hashes are. A reminder issues a new answer link (the previous one stops working); the opt-out link
is the same in every email."""

from __future__ import annotations

import datetime as dt
import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from accreditation.models import Certification, Region
from backoffice.core.accounts.roles import Role, has_role
from backoffice.core.accounts.types import Actor
from backoffice.core.audit.events import record
from backoffice.core.audit.models import AuditEvent
from backoffice.notifications.services import Message, notify
from casefiles.models import Candidate, Certificate, CertificateStatus

from .cells import age_band
from .models import Answer, Invitation, OptOut, Questionnaire, Survey, SurveyStatus
from .tokens import hash_token, issue_links
from .validation import clean_answers

LINK_DAYS = 60
MAX_REMINDERS = 2
REMINDER_GAP_DAYS = 7
INVALID_LINK = "Ce lien n'est pas ou plus valide."  # one message for unknown, expired, used: no oracle
MANAGERS = (Role.SUPERVISOR, Role.ADMINISTRATOR)


class InvalidLink(ValidationError):
    """The token is unknown, expired, already used, or its holder opted out (the page never says which)."""


@dataclass
class InvitationCounts:
    sent: int = 0
    no_email: int = 0


def _moment(today: dt.date) -> dt.datetime:
    """Now, or noon of `today` when the job runs for another day (tests, a catch-up)."""
    now = timezone.now()
    if timezone.localdate(now) == today:
        return now
    return timezone.make_aware(dt.datetime.combine(today, dt.time(12)))


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


# Defining and starting


def create_survey(
    *,
    title: str,
    questionnaire: Questionnaire,
    certifications: Iterable[Certification],
    regions: Iterable[Region] = (),
    awarded_from: dt.date,
    awarded_to: dt.date,
    delays: list[int] | None = None,
    actor: Actor,
) -> Survey:
    """A supervisor or administrator defines a survey, in draft."""
    _require_manager(actor)
    if awarded_from > awarded_to:
        raise ValidationError("La période d'attribution est inversée.")
    with transaction.atomic():
        survey = Survey.objects.create(
            title=title,
            questionnaire=questionnaire,
            awarded_from=awarded_from,
            awarded_to=awarded_to,
            delays=sorted(set(delays or [6, 12])),
            created_by=actor,
        )
        survey.certifications.set(certifications)
        survey.regions.set(regions)
        record("survey.created", actor=actor, subject=survey, summary=f"Enquête créée : {title}")
    return survey


def start_survey(survey: Survey, *, actor: Actor) -> Survey:
    """Start a draft survey: the daily job sends its invitations from now on."""
    _require_manager(actor)
    with transaction.atomic():
        locked = Survey.objects.select_for_update().get(pk=survey.pk)
        if locked.status != SurveyStatus.DRAFT:
            raise ValidationError("Seule une enquête en brouillon peut être lancée.")
        locked.status = SurveyStatus.RUNNING
        locked.save(update_fields=["status"])
        record("survey.started", actor=actor, subject=locked, summary="Enquête lancée")
    return locked


def _require_manager(actor: Actor) -> None:
    if not has_role(actor, *MANAGERS):
        raise PermissionDenied("Seul·es les superviseur·es et administrateur·rices gèrent les enquêtes.")


# Invitations


GRACE_DAYS = 31  # a holder is invited to a wave within a month after its delay, not later


def due_certificates(survey: Survey, months: int, today: dt.date) -> QuerySet[Certificate]:
    """Issued certificates of the survey's scope awarded at least `months` ago, whose holder was not
    invited to this wave, did not opt out and was not anonymised."""
    latest = min(survey.awarded_to, _months_before(today, months))
    # Only while the delay is recent: a survey started late does not ask at 6 months someone certified two
    # years ago (their answer would not be a 6-month answer).
    earliest = max(survey.awarded_from, _months_before(today - dt.timedelta(days=GRACE_DAYS), months))
    certificates = Certificate.objects.filter(
        status=CertificateStatus.ISSUED,
        certification__in=survey.certifications.all(),
        awarded_on__gte=earliest,
        awarded_on__lte=latest,
        case_file__candidate__anonymised_on__isnull=True,
    )
    region_ids = list(survey.regions.values_list("pk", flat=True))
    if region_ids:
        certificates = certificates.filter(region_id__in=region_ids)
    invited = Invitation.objects.filter(survey=survey, wave_months=months).values("candidate_id")
    return (
        certificates.exclude(case_file__candidate_id__in=invited)
        .exclude(case_file__candidate_id__in=OptOut.objects.values("candidate_id"))
        .select_related("case_file__candidate", "certification")
        .order_by("awarded_on", "pk")
    )


def _months_before(day: dt.date, months: int) -> dt.date:
    """The latest award day whose `months` delay is reached on `day`."""
    candidate = add_months(day, -months)
    while add_months(candidate + dt.timedelta(days=1), months) <= day:  # month-end: 31 Aug + 6 = 28 Feb
        candidate += dt.timedelta(days=1)
    return candidate


def send_due_invitations(today: dt.date) -> InvitationCounts:
    """For each running survey and wave, invite the holders whose delay is reached (once per wave), and
    send the invitations written without an email to the holders who have one now."""
    counts = InvitationCounts()
    for survey in Survey.objects.filter(status=SurveyStatus.RUNNING).order_by("pk"):
        for months in survey.delays:
            with transaction.atomic():
                for invitation in awaiting_email(survey, months, today).select_for_update(of=("self",)):
                    _send(invitation, invitation.candidate.email, _moment(today))
                    counts.sent += 1
                seen: set[int] = set()
                for certificate in due_certificates(survey, months, today):
                    candidate = certificate.case_file.candidate
                    if candidate.pk in seen:  # two certificates in scope: one invitation per wave
                        continue
                    seen.add(candidate.pk)
                    invitation = _invite(survey, months, candidate, certificate, today)
                    counts.no_email += invitation.no_email
                    counts.sent += not invitation.no_email
    return counts


def awaiting_email(survey: Survey, months: int, today: dt.date) -> QuerySet[Invitation]:
    """The invitations written without an email whose holder has one now, while the wave's window is open
    (the month after the delay, as for a first invitation): certificate still issued, holder neither
    opted out nor anonymised, no answer."""
    earliest = _months_before(today - dt.timedelta(days=GRACE_DAYS), months)
    return (
        Invitation.objects.filter(
            survey=survey,
            wave_months=months,
            no_email=True,
            answered=False,
            certificate__status=CertificateStatus.ISSUED,
            certificate__awarded_on__gte=earliest,
            candidate__anonymised_on__isnull=True,
        )
        .exclude(candidate__email="")
        .exclude(candidate_id__in=OptOut.objects.values("candidate_id"))
        .select_related("candidate", "certificate__certification")
        .order_by("pk")
    )


def _invite(
    survey: Survey, months: int, candidate: Candidate, certificate: Certificate, today: dt.date
) -> Invitation:
    now = _moment(today)
    invitation = Invitation.objects.create(
        survey=survey,
        wave_months=months,
        candidate=candidate,
        certificate=certificate,
        no_email=True,
        expires_at=now + dt.timedelta(days=LINK_DAYS),
    )
    if candidate.email:
        _send(invitation, candidate.email, now)
    else:  # counted, no link; sent by a later run once the person has an email (`awaiting_email`)
        record(
            "survey.invitation_without_email",
            actor=None,
            subject=invitation,
            summary=f"Vague à {months} mois",
        )
    return invitation


def _send(invitation: Invitation, email: str, now: dt.datetime) -> None:
    """The invitation's first email: its links issued, valid for LINK_DAYS from now."""
    invitation.no_email, invitation.sent_at = False, now
    invitation.expires_at = now + dt.timedelta(days=LINK_DAYS)
    issue_links(invitation)
    invitation.save(update_fields=["no_email", "sent_at", "expires_at", "token_hash", "opt_out_hash"])
    _email(invitation, email, key=f"survey-invitation-{invitation.pk}", reminder=0)
    record(
        "survey.invitation_sent",
        actor=None,
        subject=invitation,
        summary=f"Vague à {invitation.wave_months} mois",
    )


def _email(invitation: Invitation, email: str, *, key: str, reminder: int) -> None:
    """Write the email in the outbox: its row names the invitation and the email's number, never its
    links (computed when it is delivered: `tokens.email_context`)."""
    notify(
        Message(
            key=key,
            template="survey_invitation",
            subject=("Rappel : " if reminder else "") + "où en êtes-vous depuis votre certificat ?",
            context={
                "survey_invitation": invitation.pk,
                "reminder": reminder,
                "certification": certification_name(invitation),
                "expires": timezone.localtime(invitation.expires_at).strftime("%d/%m/%Y"),
            },
        ),
        emails=[email],
    )


def send_reminders(today: dt.date) -> int:
    """Remind, with a new link, the invited who have not answered: at most twice, 7 days apart at least,
    while the survey runs, the link is valid and the certificate is not revoked."""
    now = _moment(today)
    gap_start = timezone.make_aware(
        dt.datetime.combine(today - dt.timedelta(days=REMINDER_GAP_DAYS - 1), dt.time.min)
    )
    due = (
        Invitation.objects.filter(
            survey__status=SurveyStatus.RUNNING,
            answered=False,
            no_email=False,
            expires_at__gt=now,
            reminders__lt=MAX_REMINDERS,
            candidate__anonymised_on__isnull=True,
            certificate__status=CertificateStatus.ISSUED,
        )
        .exclude(candidate__email="")
        .exclude(candidate_id__in=OptOut.objects.values("candidate_id"))
        .annotate(last=Coalesce("last_reminded_at", "sent_at"))
        .filter(last__lt=gap_start)
        .select_related("candidate", "certificate__certification")
    )
    reminded = 0
    with transaction.atomic():
        for invitation in due.select_for_update(of=("self",)):
            invitation.reminders += 1
            invitation.last_reminded_at = now
            issue_links(invitation)
            invitation.save(update_fields=["token_hash", "opt_out_hash", "reminders", "last_reminded_at"])
            key = f"survey-reminder-{invitation.pk}-{invitation.reminders}"
            _email(invitation, invitation.candidate.email, key=key, reminder=invitation.reminders)
            record(
                "survey.reminded", actor=None, subject=invitation, summary=f"Relance {invitation.reminders}"
            )
            reminded += 1
    return reminded


# The person's side: answering, opting out


def _locked_invitation(token: str, *, opting_out: bool = False) -> Invitation | None:
    """The invitation of this token, locked; the lookup is by hash, so timing says nothing of the token.
    Opting out, the opt-out link or the latest answer link (an email sent before the opt-out link had its
    own carried the answer link)."""
    digest = hash_token(token or "")
    mine = (Q(token_hash=digest) | Q(opt_out_hash=digest)) if opting_out else Q(token_hash=digest)
    invitation = Invitation.objects.select_for_update().filter(mine).first()
    if invitation is None:
        return None
    if not any(hmac.compare_digest(h, digest) for h in (invitation.token_hash, invitation.opt_out_hash)):
        return None
    return invitation


def known_link(token: str) -> Invitation | None:
    """The invitation of this answer link, whatever its state."""
    return (
        Invitation.objects.filter(token_hash=hash_token(token or ""))
        .select_related("survey__questionnaire", "certificate__certification")
        .first()
    )


def known_opt_out_link(token: str) -> Invitation | None:
    """The invitation of this opt-out link (or latest answer link), whatever its state: it works after
    expiry and after the reminders."""
    digest = hash_token(token or "")
    return Invitation.objects.filter(Q(opt_out_hash=digest) | Q(token_hash=digest)).first()


def answered_link(token: str) -> bool:
    """Whether this link already carried an answer (a double click): only who holds it learns it."""
    invitation = known_link(token)
    return invitation is not None and invitation.answered


def usable_invitation(token: str) -> Invitation | None:
    """The invitation a valid link opens (not expired, not answered, not opted out, its certificate still
    issued), else None."""
    invitation = known_link(token)
    return invitation if invitation is not None and _usable(invitation) else None


def _usable(invitation: Invitation) -> bool:
    # A certificate revoked since the email: its holder no longer counts among the holders surveyed (the
    # opt-out link keeps working).
    return (
        not invitation.answered
        and invitation.expires_at > timezone.now()
        and invitation.certificate_id is not None
        and Certificate.objects.filter(pk=invitation.certificate_id, status=CertificateStatus.ISSUED).exists()
        and not OptOut.objects.filter(candidate_id=invitation.candidate_id).exists()
    )


def answer(token: str, data: Mapping[str, Any]) -> Answer:
    """Store the answers apart from the person and mark the invitation answered: once, whatever the clicks.

    Nothing written here says when, beyond the answer's month: its key is random, the invitation keeps only
    « answered », and no audit event is written — an event per answer, dated to the second, would pair each
    answer with the invitation marked in the same moment (the daily job notes a count instead:
    `record_answers_received`)."""
    with transaction.atomic():
        invitation = _locked_invitation(token)
        if invitation is None or not _usable(invitation):
            raise InvalidLink(INVALID_LINK)
        questionnaire = invitation.survey.questionnaire
        answers = clean_answers(questionnaire.questions, data)
        stored = Answer.objects.create(
            survey=invitation.survey,
            wave_months=invitation.wave_months,
            questionnaire=questionnaire,
            answers=answers,
            created_on=answer_month(timezone.localdate()),
            **cells(invitation),
        )
        invitation.answered = True
        invitation.save(update_fields=["answered"])
    return stored


ANSWERS_RECEIVED = "survey.answers_received"


def record_answers_received() -> int:
    """The trail's note of the answers, by the daily job: per survey and wave whose number of answers
    changed since its last note, one event with the new total (never an event per answer). Safe to run
    twice: nothing new, nothing written. Returns the events written."""
    counted = Answer.objects.order_by().values("survey_id", "wave_months").annotate(n=Count("pk"))
    totals = {(row["survey_id"], row["wave_months"]): row["n"] for row in counted}
    written = 0
    for survey in Survey.objects.filter(pk__in={pk for pk, _ in totals}).order_by("pk"):
        noted = _noted_totals(survey)
        for months in sorted(m for pk, m in totals if pk == survey.pk):
            total, before = totals[(survey.pk, months)], noted.get(months)
            if total == before:
                continue
            since = f" ({total - before:+d} depuis le relevé précédent)" if before is not None else ""
            record(
                ANSWERS_RECEIVED,
                actor=None,
                subject=survey,
                summary=f"Vague à {months} mois : {total} réponse{'s' if total > 1 else ''}{since}.",
                data={"vague": months, "reponses": total},
            )
            written += 1
    return written


def _noted_totals(survey: Survey) -> dict[int, int]:
    """The number of answers of each wave as the survey's latest notes said."""
    noted: dict[int, int] = {}
    events = (
        AuditEvent.objects.for_subject(survey).filter(verb=ANSWERS_RECEIVED).order_by("occurred_at", "pk")
    )
    for data in events.values_list("data", flat=True):
        noted[int(data["vague"])] = int(data["reponses"])
    return noted


def answer_month(day: dt.date) -> dt.date:
    """An answer is dated by its month only (the first day): its day would single out who answered."""
    return day.replace(day=1)


def cells(invitation: Invitation) -> dict[str, str]:
    """The statistical cells the answer counts in: from the certificate (certification, region, age at the
    award), the file (the status given when it was opened: the person's may have changed since) and the
    person (sex)."""
    candidate, certificate = invitation.candidate, invitation.certificate
    if certificate is None:
        return {"certification_code": "", "region_code": "", "age_band": "", "sex": candidate.sex}
    return {
        "certification_code": certificate.certification.code,
        "region_code": certificate.region.code,
        "age_band": age_band(candidate.birth_date, certificate.awarded_on),
        "status_at_entry": certificate.case_file.status_at_opening,
        "sex": candidate.sex,
    }


def opt_out(token: str) -> bool:
    """The person is never invited again, to any survey; idempotent. False for an unknown link."""
    with transaction.atomic():
        invitation = _locked_invitation(token, opting_out=True)
        if invitation is None:
            return False
        _, created = OptOut.objects.get_or_create(candidate_id=invitation.candidate_id)
        if created:
            record("survey.opted_out", actor=None, subject=invitation, summary="Désinscription des enquêtes")
    return True


def certification_name(invitation: Invitation) -> str:
    return invitation.certificate.certification.name if invitation.certificate else "CléA"
