"""Organisations' applications to a campaign: a draft kept between sessions, documents, then submission."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accreditation.scoping import scope_of
from backoffice.core.accounts.roles import Role, has_role
from backoffice.core.accounts.types import Actor
from backoffice.core.audit.events import record
from backoffice.core.uploads import read_checked_upload, store_document

from ..events import ApplicationEvent
from ..models import (
    AccreditationApplication,
    AccreditationCampaign,
    ApplicationDocument,
    ApplicationDocumentCategory,
    ApplicationStatus,
    Organisation,
)
from ..rules import frozen_changes, is_frozen, requested_documents
from ..selectors import submission_problems

ORGANISATION_ROLES = (Role.EVALUATOR_STAFF, Role.TRAINER_STAFF)


def ensure_organisation_staff(actor: Actor, organisation: Organisation) -> None:
    """Only the organisation's own staff prepare and submit its application."""
    if not has_role(actor, *ORGANISATION_ROLES) or scope_of(actor).organisation_id != organisation.pk:
        raise PermissionDenied("Seul le personnel de l'organisme prépare son dossier de candidature.")


@transaction.atomic
def start_application(campaign: AccreditationCampaign, *, actor: Actor) -> AccreditationApplication:
    """The organisation's draft for this campaign (created once; the same draft is resumed afterwards)."""
    organisation_id = scope_of(actor).organisation_id
    organisation = Organisation.objects.filter(pk=organisation_id).first() if organisation_id else None
    if organisation is None:
        raise PermissionDenied("Seul le personnel d'un organisme dépose un dossier de candidature.")
    ensure_organisation_staff(actor, organisation)
    existing = campaign.applications.filter(organisation=organisation).exclude(
        status=ApplicationStatus.WITHDRAWN
    )
    if existing.exists():
        return existing.get()
    if not campaign.accepts_applications():
        raise ValidationError("Cette campagne n'accepte pas de dépôt aujourd'hui.")
    try:
        with transaction.atomic():
            application = AccreditationApplication.objects.create(
                campaign=campaign,
                organisation=organisation,
                legal_name=organisation.legal_name,
                siren=organisation.siren,
                created_by=actor,
            )
    except IntegrityError:  # two clicks at once: the other one created it
        return campaign.applications.get(organisation=organisation, status=ApplicationStatus.DRAFT)
    record(
        ApplicationEvent.STARTED, actor=actor, subject=application, summary="Dossier de candidature commencé."
    )
    return application


def _lock_draft(application: AccreditationApplication, actor: Actor) -> AccreditationApplication:
    locked = (
        AccreditationApplication.objects.select_for_update()
        .select_related("organisation", "campaign")
        .get(pk=application.pk)
    )
    ensure_organisation_staff(actor, locked.organisation)
    # A request for information reopens the content and the documents to the organisation.
    if locked.status not in (ApplicationStatus.DRAFT, ApplicationStatus.INFORMATION_REQUESTED):
        raise ValidationError("Ce dossier est déposé : il ne se modifie plus.")
    return locked


@transaction.atomic
def save_draft(application: AccreditationApplication, *, draft: dict[str, Any], actor: Actor) -> None:
    """Keep the wizard's steps as typed, to resume later (the organisation's scratchpad: not audited)."""
    locked = _lock_draft(application, actor)
    locked.draft, locked.updated_at = draft, timezone.now()
    locked.save(update_fields=["draft", "updated_at"])


@transaction.atomic
def save_content(application: AccreditationApplication, *, content: dict[str, Any], actor: Actor) -> None:
    """Record the validated content of every step (shown on the summary page before submission); after the
    deadline, only the sections a request names may change."""
    locked = _lock_draft(application, actor)
    if is_frozen(locked):
        problems = frozen_changes(locked, content)
        if problems:
            raise ValidationError(problems)
    locked.content = content
    locked.legal_name = content.get("identity", {}).get("legal_name", locked.legal_name)
    locked.sirets = " ".join(site["siret"] for site in content.get("sites", []))
    locked.updated_at = timezone.now()
    locked.save(update_fields=["content", "legal_name", "sirets", "updated_at"])
    record(
        ApplicationEvent.COMPLETED,
        actor=actor,
        subject=locked,
        summary="Dossier complété (toutes les étapes).",
    )


@transaction.atomic
def attach_application_document(
    application: AccreditationApplication, *, upload: Any, category: str, actor: Actor
) -> ApplicationDocument:
    """Join a PDF or image (checked by content, size-limited) to a draft application."""
    locked = _lock_draft(application, actor)
    if category not in ApplicationDocumentCategory.values:
        raise ValidationError("Choisissez la catégorie de la pièce.")
    allowed = requested_documents(locked)
    if category not in allowed:
        labels = ", ".join(str(ApplicationDocumentCategory(c).label) for c in allowed) or "aucune"
        raise ValidationError(
            f"La date limite de dépôt est passée ({locked.campaign.deadline:%d/%m/%Y}) : seules les pièces "
            f"demandées peuvent être jointes ({labels})."
        )
    content = read_checked_upload(upload, limit=settings.CASEFILE_DOCUMENT_MAX_BYTES)
    document = ApplicationDocument(application=locked, category=category)
    store_document(document, content, upload=upload, actor=actor, siblings=locked.documents.all())
    record(
        ApplicationEvent.DOCUMENT_ADDED, actor=actor, subject=locked, summary=f"Pièce ajoutée : {document}."
    )
    return document


@transaction.atomic
def submit_application(application: AccreditationApplication, *, actor: Actor) -> AccreditationApplication:
    """Submit a complete application while the campaign is open; nothing changes if anything is missing."""
    locked = _lock_draft(application, actor)
    if locked.status != ApplicationStatus.DRAFT:  # during a request for information, one answers instead
        raise ValidationError("Ce dossier est déjà déposé : répondez à la demande de complément.")
    problems = submission_problems(locked)
    if problems:
        raise ValidationError(problems)
    locked.status, locked.submitted_at = ApplicationStatus.SUBMITTED, timezone.now()
    locked.check_due_at = locked.submitted_at + dt.timedelta(days=settings.APPLICATION_CHECK_DAYS)
    locked.save(update_fields=["status", "submitted_at", "check_due_at"])
    record(ApplicationEvent.SUBMITTED, actor=actor, subject=locked, summary="Dossier de candidature déposé.")
    return locked
