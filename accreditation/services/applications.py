"""Organisations' applications to a campaign: a draft kept between sessions, documents, then submission."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accreditation.scoping import scope_of
from backoffice.accounts.roles import Role, has_role
from backoffice.audit.events import record
from backoffice.uploads import read_checked_upload, store_document

from ..events import ApplicationEvent
from ..models import (
    MANDATORY_DOCUMENTS,
    REQUESTABLE_SECTIONS,
    Accreditation,
    AccreditationApplication,
    AccreditationCampaign,
    AccreditationStatus,
    ApplicationDocument,
    ApplicationDocumentCategory,
    ApplicationSection,
    ApplicationStatus,
    CampaignAudience,
    Organisation,
)

ORGANISATION_ROLES = (Role.EVALUATOR_STAFF, Role.TRAINER_STAFF)


def ensure_organisation_staff(actor: Any, organisation: Organisation) -> None:
    """Only the organisation's own staff prepare and submit its application."""
    if not has_role(actor, *ORGANISATION_ROLES) or scope_of(actor).organisation_id != organisation.pk:
        raise PermissionDenied("Seul le personnel de l'organisme prépare son dossier de candidature.")


@transaction.atomic
def start_application(campaign: AccreditationCampaign, *, actor: Any) -> AccreditationApplication:
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


def _lock_draft(application: AccreditationApplication, actor: Any) -> AccreditationApplication:
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
def save_draft(application: AccreditationApplication, *, draft: dict[str, Any], actor: Any) -> None:
    """Keep the wizard's steps as typed, to resume later (the organisation's scratchpad: not audited)."""
    locked = _lock_draft(application, actor)
    locked.draft, locked.updated_at = draft, timezone.now()
    locked.save(update_fields=["draft", "updated_at"])


def is_frozen(application: AccreditationApplication, on: dt.date | None = None) -> bool:
    """A submitted application is frozen once its campaign's deadline has passed: a request for information
    then reopens only what it names."""
    day = on or timezone.localdate()
    return application.status != ApplicationStatus.DRAFT and day > application.campaign.deadline


def editable_sections(application: AccreditationApplication) -> list[str]:
    """The parts of the content the organisation may change now: all of them in a draft or before the
    deadline, after it only the sections the request names (never the commitment)."""
    if not is_frozen(application):
        return list(ApplicationSection.values)
    asked = application.requested.get("sections", [])
    return [s for s in REQUESTABLE_SECTIONS if s in asked]


def requested_documents(application: AccreditationApplication) -> list[str]:
    """The document categories the organisation may join now (all before the deadline)."""
    if not is_frozen(application):
        return list(ApplicationDocumentCategory.values)
    return [c for c in ApplicationDocumentCategory.values if c in application.requested.get("documents", [])]


def _scope_of(content: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {
        (site.get("siret", ""), scope.get("certification", ""), scope.get("role", ""))
        for site in content.get("sites", [])
        for scope in site.get("scopes", [])
    }


def frozen_changes(application: AccreditationApplication, content: dict[str, Any]) -> list[str]:
    """Why `content` may not replace the application's content after the deadline (French messages): the
    scope asked and the commitment never change, other sections only when the request names them."""
    before, editable = application.content, set(editable_sections(application))
    passed = f"La date limite de dépôt est passée ({application.campaign.deadline:%d/%m/%Y})"
    problems = []
    if _scope_of(before) != _scope_of(content):
        problems.append(f"{passed} : les établissements et les habilitations demandées ne changent plus.")
    for key in sorted(set(before) | set(content)):
        if key in editable or before.get(key) == content.get(key):
            continue
        if key == ApplicationSection.SITES and problems:
            continue  # already refused as a change of scope
        label = ApplicationSection(key).label if key in ApplicationSection.values else key
        problems.append(
            f"{passed} : la demande de complément ne porte pas sur « {label} », qui ne change plus."
        )
    return problems


@transaction.atomic
def save_content(application: AccreditationApplication, *, content: dict[str, Any], actor: Any) -> None:
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
    application: AccreditationApplication, *, upload: Any, category: str, actor: Any
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


def submission_problems(application: AccreditationApplication) -> list[str]:
    """Why the application cannot be submitted yet (French messages), or an empty list."""
    campaign, content = application.campaign, application.content
    problems = []
    if not campaign.accepts_applications():
        problems.append(f"Les dépôts de cette campagne sont clos depuis le {campaign.deadline:%d/%m/%Y}.")
    if not content:
        problems.append("Complétez toutes les étapes du dossier avant de le déposer.")
        return problems
    return problems + content_problems(application)


def content_problems(application: AccreditationApplication) -> list[str]:
    """The submission's checks on the content and documents, as they stand at the deadline: run at submission
    and again on every answer to a request for information."""
    campaign, content = application.campaign, application.content
    problems = []
    qualiopi = content.get("qualiopi", {})
    if qualiopi.get("expires_on", "") and qualiopi["expires_on"] < campaign.deadline.isoformat():
        problems.append(
            f"Le certificat Qualiopi expire avant la date limite de dépôt ({campaign.deadline:%d/%m/%Y})."
        )
    if qualiopi.get("issued_on", "") and qualiopi["issued_on"] > campaign.deadline.isoformat():
        problems.append(
            f"Le certificat Qualiopi n'était pas encore délivré à la date limite de dépôt "
            f"({campaign.deadline:%d/%m/%Y})."
        )
    present = set(application.documents.values_list("category", flat=True))
    problems += [
        f"Pièce obligatoire manquante : {ApplicationDocumentCategory(c).label}."
        for c in MANDATORY_DOCUMENTS
        if c not in present
    ]
    problems += _already_accredited(application)
    if campaign.audience == CampaignAudience.RENEWAL:
        problems += _not_renewals(application)
    return problems


def _not_renewals(application: AccreditationApplication) -> list[str]:
    """A renewal campaign accepts only the scopes an establishment holds (on the day of submission, or at
    the deadline for an answer given after it)."""
    day = min(timezone.localdate(), application.campaign.deadline)
    return [
        f"Campagne de renouvellement : le SIRET {site['siret']} n'est pas habilité le {day:%d/%m/%Y} "
        f"({scope['certification']}, {scope['role_label']})."
        for site in application.content.get("sites", [])
        for scope in site.get("scopes", [])
        if not Accreditation.objects.in_force(day)
        .filter(site__siret=site["siret"], certification__code=scope["certification"], role=scope["role"])
        .exists()
    ]


def _already_accredited(application: AccreditationApplication) -> list[str]:
    """A SIRET asking for a scope it already holds beyond the board's decision date (not a renewal)."""
    problems = []
    board_on = application.campaign.board_on
    for site in application.content.get("sites", []):
        for scope in site.get("scopes", []):
            # As Accreditation.overlapping(): any period not withdrawn that reaches the board's date.
            held = Accreditation.objects.filter(
                site__siret=site["siret"],
                certification__code=scope["certification"],
                role=scope["role"],
                valid_to__gte=board_on,
            ).exclude(status=AccreditationStatus.WITHDRAWN)
            if held.exists():
                problems.append(
                    f"Le SIRET {site['siret']} est déjà habilité ({scope['certification']}, "
                    f"{scope['role_label']}) à la date du conseil ({board_on:%d/%m/%Y})."
                )
    return problems


@transaction.atomic
def submit_application(application: AccreditationApplication, *, actor: Any) -> AccreditationApplication:
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


def checklist(application: AccreditationApplication) -> list[tuple[str, bool]]:
    """The case officer's automatic checks on the content and documents (label, passed)."""
    content = application.content
    present = set(application.documents.values_list("category", flat=True))
    expires = content.get("qualiopi", {}).get("expires_on", "")
    return [
        ("Toutes les étapes du dossier sont complétées", bool(content)),
        *[(f"{ApplicationDocumentCategory(c).label} joint", c in present) for c in MANDATORY_DOCUMENTS],
        (
            "Qualiopi valable à la date limite",
            bool(expires) and expires >= application.campaign.deadline.isoformat(),
        ),
        ("Au moins un évaluateur ou formateur déclaré", bool(content.get("people"))),
        ("Engagement signé", bool(content.get("commitment", {}).get("signatory"))),
        (
            "Aucun SIRET déjà habilité au-delà du conseil",
            bool(content) and not _already_accredited(application),
        ),
    ]
