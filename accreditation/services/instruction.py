"""Case officers process a submitted application: completeness, requests for information, review against the
campaign's grid, a supervisor's proposal to the board (four eyes), the board's decision per scope."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from backoffice.core.accounts.roles import Role, has_role
from backoffice.core.accounts.types import Actor, SystemActor
from backoffice.core.audit.events import record
from backoffice.core.signing.models import SignedKind
from backoffice.core.signing.stored import Seal, seal_files_of
from backoffice.core.worker import send_on_commit

from ..events import ApplicationEvent
from ..models import (
    REQUESTABLE_SECTIONS,
    AccreditationApplication,
    AccreditationRole,
    ApplicationDocumentCategory,
    ApplicationNote,
    ApplicationStatus,
    Certification,
    Department,
    ReviewScore,
    ScopeDecision,
    Site,
)
from ..rules import ScopeKey, requested_labels, requested_scopes
from ..selectors import content_problems
from ..validators import department_of_postcode
from .applications import ensure_organisation_staff
from .organisations import add_site, grant_accreditation

OFFICER_ROLES = (Role.CASE_OFFICER, Role.SUPERVISOR, Role.ADMINISTRATOR)
SUPERVISOR_ROLES = (Role.SUPERVISOR, Role.ADMINISTRATOR)


def _lock(application: AccreditationApplication, *statuses: str) -> AccreditationApplication:
    locked = (
        AccreditationApplication.objects.select_for_update()
        .select_related("campaign", "organisation")
        .get(pk=application.pk)
    )
    if locked.status not in statuses:
        raise ValidationError(
            f"Cette étape n'est plus possible : le dossier est « {locked.get_status_display().lower()} »."
        )
    return locked


def _ensure(actor: Actor, roles: tuple[Role, ...], what: str) -> None:
    if actor is None or not has_role(actor, *roles):
        raise PermissionDenied(f"Vous ne pouvez pas {what}.")


@transaction.atomic
def check_completeness(
    application: AccreditationApplication,
    *,
    complete: bool,
    message: str = "",
    answer_by: dt.date | None = None,
    documents: Sequence[str] = (),
    sections: Sequence[str] = (),
    questions: Sequence[str] = (),
    actor: Actor,
) -> AccreditationApplication:
    """Complete → review; incomplete → the organisation is asked, by a date, for what the request names
    (documents, sections of the content, answers to questions); the check's clock is paused meanwhile."""
    _ensure(actor, OFFICER_ROLES, "vérifier la complétude d'un dossier")
    locked = _lock(application, ApplicationStatus.SUBMITTED)
    if complete:
        locked.status = ApplicationStatus.IN_REVIEW
        locked.save(update_fields=["status"])
        record(
            ApplicationEvent.COMPLETE, actor=actor, subject=locked, summary="Dossier complet : instruction."
        )
        return locked
    message = (message or "").strip()
    errors = []
    if not message:
        errors.append("Précisez les informations ou pièces demandées.")
    elif len(message) > 2000:
        errors.append("La demande de complément tient en 2 000 caractères au plus.")
    if answer_by is None or answer_by <= timezone.localdate():
        errors.append("La date de réponse attendue est postérieure à aujourd'hui.")
    requested, item_errors = _requested_items(documents, sections, questions)
    errors += item_errors
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    locked.status, locked.request_message, locked.answer_by = (
        ApplicationStatus.INFORMATION_REQUESTED,
        message,
        answer_by,
    )
    locked.requested, locked.check_due_at = requested, _check_due_at(locked)
    locked.clock_paused_at = now
    locked.save(
        update_fields=[
            "status",
            "request_message",
            "answer_by",
            "requested",
            "check_due_at",
            "clock_paused_at",
        ]
    )
    record(
        ApplicationEvent.INFORMATION_REQUESTED,
        actor=actor,
        subject=locked,
        summary=f"Complément demandé avant le {answer_by:%d/%m/%Y} : {message}"  # type: ignore[union-attr]
        + "".join(f" — {item}" for item in requested_labels(requested)),
        data={"requested": requested, "time_left_seconds": (locked.check_due_at - now).total_seconds()},
    )
    return locked


def _requested_items(
    documents: Sequence[str], sections: Sequence[str], questions: Sequence[str]
) -> tuple[dict[str, list[str]], list[str]]:
    """The request's items, normalised, and the French reasons they cannot be asked."""
    errors = []
    if set(documents) - set(ApplicationDocumentCategory.values):
        errors.append("Une pièce demandée n'est pas une catégorie de pièce connue.")
    if set(sections) - set(REQUESTABLE_SECTIONS):
        errors.append(
            "Après la date limite, l'engagement signé et les habilitations demandées ne se rouvrent pas : "
            "demandez des pièces, des réponses ou une autre partie du dossier."
        )
    asked = [q.strip() for q in questions if q and q.strip()]
    if len(asked) > 20 or any(len(q) > 500 for q in asked):
        errors.append("Posez au plus 20 questions de 500 caractères au plus.")
    requested = {
        "documents": [str(c) for c in ApplicationDocumentCategory.values if c in documents],
        "sections": [str(s) for s in REQUESTABLE_SECTIONS if s in sections],
        "questions": asked,
    }
    return requested, errors


def _check_due_at(application: AccreditationApplication) -> dt.datetime:
    """When the completeness check is due (applications submitted before the clock was stored: from their
    submission)."""
    if application.check_due_at is not None:
        return application.check_due_at
    submitted = application.submitted_at or timezone.now()
    return submitted + dt.timedelta(days=settings.APPLICATION_CHECK_DAYS)


@transaction.atomic
def answer_information_request(
    application: AccreditationApplication, *, response: str, answers: Sequence[str] = (), actor: Actor
) -> AccreditationApplication:
    """The organisation answers what the request names (the documents joined, one answer per question); the
    submission's checks run again on the answer, and the check's clock resumes with the time that was left."""
    locked = _lock(application, ApplicationStatus.INFORMATION_REQUESTED)
    ensure_organisation_staff(actor, locked.organisation)
    response = (response or "").strip()
    if not response:
        raise ValidationError("Indiquez ce que vous avez complété.")
    if locked.answer_by and timezone.localdate() > locked.answer_by:
        raise ValidationError(f"Le délai de réponse a expiré le {locked.answer_by:%d/%m/%Y}.")
    answered = [(a or "").strip()[:2000] for a in answers]
    problems = _answer_problems(locked, answered) + content_problems(locked)
    if problems:
        raise ValidationError(problems)
    now = timezone.now()
    paused_at = locked.clock_paused_at or now
    left = max(_check_due_at(locked) - paused_at, dt.timedelta(0))
    locked.status, locked.check_due_at, locked.clock_paused_at = ApplicationStatus.SUBMITTED, now + left, None
    locked.save(update_fields=["status", "check_due_at", "clock_paused_at"])
    questions = locked.requested.get("questions", [])
    record(
        ApplicationEvent.INFORMATION_PROVIDED,
        actor=actor,
        subject=locked,
        summary=f"Complément fourni : {response}"
        + "".join(f" — {q} : {a}" for q, a in zip(questions, answered, strict=True))
        + f" (vérification due le {timezone.localtime(locked.check_due_at):%d/%m/%Y})",
        data={"answers": answered, "check_due_at": locked.check_due_at.isoformat()},
    )
    return locked


def _answer_problems(application: AccreditationApplication, answers: list[str]) -> list[str]:
    """An answer gives exactly what the request names: an answer per question, each document asked."""
    questions = application.requested.get("questions", [])
    if len(answers) > len(questions):
        return ["Répondez seulement aux questions posées par la demande de complément."]
    answers = answers + [""] * (len(questions) - len(answers))
    problems = [f"Répondez à la question « {q} »." for q, a in zip(questions, answers, strict=True) if not a]
    if application.requested.get("documents_in_message"):
        # A request made before requests named their items (migration 0010): any document may be joined,
        # its free-text message says which, and none is required by name.
        return problems
    since = application.clock_paused_at
    joined = application.documents.filter(uploaded_at__gte=since) if since else application.documents.all()
    present = set(joined.values_list("category", flat=True))
    problems += [
        f"Pièce demandée non jointe : {ApplicationDocumentCategory(c).label}."
        for c in application.requested.get("documents", [])
        if c not in present
    ]
    return problems


@transaction.atomic
def expire_information_request(application: AccreditationApplication, *, actor: SystemActor = None) -> bool:
    """The organisation's deadline passed without an answer: the application is closed. Safe to run twice."""
    locked = AccreditationApplication.objects.select_for_update().get(pk=application.pk)
    if locked.status != ApplicationStatus.INFORMATION_REQUESTED:
        return False
    locked.status = ApplicationStatus.EXPIRED
    locked.save(update_fields=["status"])
    record(
        ApplicationEvent.REQUEST_EXPIRED,
        actor=actor,
        subject=locked,
        summary=f"Dossier clos : complément non fourni avant le {locked.answer_by:%d/%m/%Y}.",
    )
    return True


@transaction.atomic
def record_review(
    application: AccreditationApplication,
    *,
    scores: Mapping[int, tuple[int, str]],
    recommendation: str,
    actor: Actor,
) -> AccreditationApplication:
    """Score every criterion of the campaign's grid (within its maximum) and give the officer's opinion."""
    _ensure(actor, OFFICER_ROLES, "instruire un dossier")
    locked = _lock(application, ApplicationStatus.IN_REVIEW)
    criteria = list(locked.campaign.criteria.all())
    errors = [
        f"Notez le critère « {c.label} » de 0 à {c.max_score}."
        for c in criteria
        if c.pk not in scores or not 0 <= scores[c.pk][0] <= c.max_score
    ]
    if set(scores) - {c.pk for c in criteria}:
        errors.append("Un critère noté n'appartient pas à la grille de cette campagne.")
    if not (recommendation or "").strip():
        errors.append("Donnez l'avis de l'instruction.")
    elif len(recommendation.strip()) > 2000:
        errors.append("L'avis de l'instruction tient en 2 000 caractères au plus.")
    if errors:
        raise ValidationError(errors)
    ReviewScore.objects.bulk_create(
        ReviewScore(application=locked, criterion=c, score=scores[c.pk][0], comment=scores[c.pk][1][:1000])
        for c in criteria
    )
    locked.status, locked.reviewed_by = ApplicationStatus.REVIEWED, actor
    locked.recommendation = recommendation.strip()
    locked.save(update_fields=["status", "reviewed_by", "recommendation"])
    total = sum(scores[c.pk][0] for c in criteria)
    record(
        ApplicationEvent.REVIEWED,
        actor=actor,
        subject=locked,
        summary=f"Instruction : {total}/{sum(c.max_score for c in criteria)} — {locked.recommendation}",
    )
    return locked


def _check_scope_choices(
    application: AccreditationApplication, choices: Mapping[ScopeKey, tuple[bool, str]]
) -> list[str]:
    asked = requested_scopes(application)
    errors = [
        f"Statuez sur {siret} — {code} ({role})."
        for siret, code, role in asked
        if (siret, code, role) not in choices
    ]
    if set(choices) - set(asked):
        errors.append("Une habilitation non demandée ne peut pas être accordée.")
    errors += [
        f"Motivez le refus pour {siret} — {code}."
        for (siret, code, _role), (accepted, reason) in choices.items()
        if not accepted and not reason.strip()
    ]
    return errors


@transaction.atomic
def propose_to_board(
    application: AccreditationApplication, *, choices: Mapping[ScopeKey, tuple[bool, str]], actor: Actor
) -> AccreditationApplication:
    """A supervisor who did not review the application proposes the decision per scope (four eyes)."""
    _ensure(actor, SUPERVISOR_ROLES, "proposer une décision au conseil")
    locked = _lock(application, ApplicationStatus.REVIEWED)
    if locked.reviewed_by_id == actor.pk:
        raise PermissionDenied(
            "La proposition au conseil revient à un·e autre superviseur·e que l'instructeur·rice."
        )
    errors = _check_scope_choices(locked, choices)
    if errors:
        raise ValidationError(errors)
    codes = {c.code: c for c in Certification.objects.all()}
    ScopeDecision.objects.bulk_create(
        ScopeDecision(
            application=locked,
            siret=siret,
            certification=codes[code],
            role=role,
            proposed=ok,
            reason=reason.strip(),
        )
        for (siret, code, role), (ok, reason) in choices.items()
    )
    locked.status = ApplicationStatus.PROPOSED
    locked.save(update_fields=["status"])
    accepted = sum(ok for ok, _ in choices.values())
    record(
        ApplicationEvent.PROPOSED,
        actor=actor,
        subject=locked,
        summary=f"Proposé au conseil : {accepted} habilitation(s) sur {len(choices)}.",
    )
    return locked


@transaction.atomic
def record_board_decision(
    application: AccreditationApplication, *, choices: Mapping[ScopeKey, tuple[bool, str]], actor: Actor
) -> list[Any]:
    """The board's decision per scope; each accepted scope becomes an accreditation from the board's date for
    the default validity (the establishment is created if new). Returns the accreditations granted."""
    _ensure(actor, SUPERVISOR_ROLES, "enregistrer la décision du conseil")
    locked = _lock(application, ApplicationStatus.PROPOSED)
    errors = _check_scope_choices(locked, choices)
    if errors:
        raise ValidationError(errors)
    granted = []
    for scope in locked.scopes.select_related("certification"):
        accepted, reason = choices[(scope.siret, scope.certification.code, scope.role)]
        scope.accepted, scope.reason = accepted, reason.strip() or scope.reason
        scope.save(update_fields=["accepted", "reason"])
        if accepted:
            site = _site_for(locked, scope.siret, actor)
            granted.append(
                grant_accreditation(
                    site,
                    certification=scope.certification,
                    role=AccreditationRole(scope.role),
                    valid_from=locked.campaign.board_on,
                    actor=actor,
                )
            )
    locked.status = ApplicationStatus.DECIDED
    locked.save(update_fields=["status"])
    # The letter is rendered by the worker once this commits (or on its first download): PDF rendering
    # never holds the board's decision.
    from ..tasks import render_decision_letter_job

    send_on_commit(render_decision_letter_job.send, locked.pk)
    record(
        ApplicationEvent.DECIDED,
        actor=actor,
        subject=locked,
        summary=f"Décision du conseil : {len(granted)} habilitation(s) accordée(s) sur {len(choices)}.",
    )
    return granted


@transaction.atomic
def store_decision_letter(application_id: int) -> bool:
    """Render and store a decided application's letter once; False if it exists already (run twice: safe)."""
    from ..documents import render_decision_letter  # WeasyPrint: loaded only when a letter is written

    locked = AccreditationApplication.objects.select_for_update().get(pk=application_id)
    if locked.status != ApplicationStatus.DECIDED or locked.decision_letter:
        return False
    name = f"decision-{locked.siren}-{locked.campaign_id}.pdf"
    signed = decision_letter_seal(locked).sign(render_decision_letter(locked))
    locked.decision_letter.save(name, ContentFile(signed), save=False)
    locked.save(update_fields=["decision_letter"])
    return True


def decision_letter_seal(application: AccreditationApplication) -> Seal:
    """How the board's decision letter is described where it is signed."""
    label = f"Lettre de décision du conseil : {application}"
    return Seal(SignedKind.DECISION_LETTER, str(application.pk), label)


seal_files_of(AccreditationApplication, "decision_letter", decision_letter_seal)


def _site_for(application: AccreditationApplication, siret: str, actor: Actor) -> Site:
    existing = Site.objects.filter(siret=siret).first()
    if existing is not None:
        return existing
    data = next(site for site in application.content["sites"] if site["siret"] == siret)
    department = Department.objects.filter(code=department_of_postcode(data["postcode"])).first()
    if department is None:
        raise ValidationError(f"Le code postal de l'établissement {siret} ne correspond à aucun département.")
    covered = Department.objects.filter(code__in=data.get("departments", []))
    return add_site(
        application.organisation,
        siret=siret,
        name=data["name"],
        address=data["address"],
        postcode=data["postcode"],
        city=data["city"],
        department=department,
        departments_covered=covered,
        actor=actor,
    )


@transaction.atomic
def attach_approval_process(
    application: AccreditationApplication, process: Any, *, actor: SystemActor = None
) -> None:
    """Link the submitted application to the approval process that the workflow started for it. No event of
    its own: the submission, by `actor`, is the event."""
    AccreditationApplication.objects.filter(pk=application.pk, process__isnull=True).update(process=process)


@transaction.atomic
def escalate(application: AccreditationApplication, *, step: str, actor: SystemActor = None) -> None:
    """A step's deadline passed: the task goes to the supervisors, and the timeline says so."""
    AccreditationApplication.objects.filter(pk=application.pk).update(escalated=True)
    record(
        ApplicationEvent.ESCALATED,
        actor=actor,
        subject=application,
        summary=f"Échéance dépassée ({step}) : la tâche passe aux superviseur·es.",
    )


@transaction.atomic
def add_internal_note(application: AccreditationApplication, *, text: str, actor: Actor) -> ApplicationNote:
    """An internal note on the application, for Certif'Pro staff only."""
    _ensure(actor, OFFICER_ROLES, "annoter un dossier")
    text = (text or "").strip()
    if not text:
        raise ValidationError("La note est vide.")
    note = ApplicationNote.objects.create(application=application, author=actor, text=text[:2000])
    record(ApplicationEvent.NOTE_ADDED, actor=actor, subject=application, summary="Note interne ajoutée.")
    return note
