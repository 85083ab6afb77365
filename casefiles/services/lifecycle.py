"""Abandon, transfer to another evaluation organisation, and the 5-year expiry (the rule is
`casefiles.selectors.lapsing_files`)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accreditation.models import Site
from backoffice.core.accounts.roles import Role, has_role
from backoffice.core.accounts.types import SystemActor
from backoffice.core.audit.events import record

from ..events import CaseFileEvent
from ..models import (
    OPEN_STATES,
    AgendaItem,
    CaseFile,
    CaseFileState,
    DomainAcquisition,
    DomainStatus,
    JurySessionStatus,
)
from ..selectors import case_files_for, lapsing_files
from .access import ensure_evaluator, lock_in_state

MANAGING_ROLES = (Role.EVALUATOR_STAFF, Role.CASE_OFFICER, Role.SUPERVISOR, Role.ADMINISTRATOR)


def _ensure_manager(actor: SystemActor, case_file: CaseFile, *, what: str) -> None:
    """The file's evaluation organisation or a Certif'Pro officer of its region manages it."""
    if actor is None:
        return
    if not has_role(actor, *MANAGING_ROLES) or not case_files_for(actor).filter(pk=case_file.pk).exists():
        raise PermissionDenied(f"Vous ne pouvez pas {what} ce dossier.")


@transaction.atomic
def abandon_case_file(
    case_file: CaseFile, *, reason: str, actor: SystemActor, on: dt.date | None = None
) -> CaseFile:
    """Close an open file at the candidate's request or for lack of news; the reason is required."""
    _ensure_manager(actor, case_file, what="abandonner")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Le motif de l'abandon est obligatoire.")
    locked = lock_in_state(case_file, *OPEN_STATES)
    locked.state = CaseFileState.ABANDONED
    locked.closed_on = on or timezone.localdate()
    locked.closing_reason = reason
    locked.save(update_fields=["state", "closed_on", "closing_reason"])
    record(CaseFileEvent.ABANDONED, actor=actor, subject=locked, summary=f"Dossier abandonné : {reason}")
    return locked


@transaction.atomic
def transfer_case_file(case_file: CaseFile, *, to_site: Site, reason: str, actor: SystemActor) -> CaseFile:
    """Move a file to another accredited evaluation organisation; the previous one loses access."""
    _ensure_manager(actor, case_file, what="transférer")
    locked = lock_in_state(case_file, *OPEN_STATES)
    on_agenda = AgendaItem.objects.filter(
        case_file=locked, session__status__in=[JurySessionStatus.PLANNED, JurySessionStatus.OPEN]
    )
    if on_agenda.exists():
        raise ValidationError(
            "Ce dossier est inscrit à l'ordre du jour d'une session de jury : il ne peut pas être transféré "
            "avant qu'elle soit close (ou qu'il en soit retiré)."
        )
    if to_site.organisation_id == locked.evaluation_site.organisation_id:
        raise ValidationError("Le transfert se fait vers un autre organisme évaluateur.")
    ensure_evaluator(None, to_site, locked.certification, timezone.localdate(), what="reprendre le dossier")
    previous = locked.evaluation_site
    locked.evaluation_site = to_site
    locked.save(update_fields=["evaluation_site"])
    record(
        CaseFileEvent.TRANSFERRED,
        actor=actor,
        subject=locked,
        summary=f"Dossier transféré de {previous.name} à {to_site.name}"
        + (f" : {reason}" if reason else "."),
        data={"from_site": previous.pk, "to_site": to_site.pk},
    )
    return locked


def expire_case_files(*, today: dt.date | None = None, actor: SystemActor = None) -> int:
    """Close the open files whose 5-year window has ended with a domain still to acquire; their acquisitions
    lapse. A file whose domains were all acquired in time waits for its jury. Safe to run twice."""
    today = today or timezone.localdate()
    due = lapsing_files(today).values_list("pk", flat=True)
    return sum(expire_case_file(pk, today=today, actor=actor) for pk in list(due))


@transaction.atomic
def expire_case_file(pk: int, *, today: dt.date | None = None, actor: SystemActor = None) -> bool:
    """Close one file whose 5-year window has ended with a domain still to acquire (its acquisitions lapse);
    False if nothing to do (the window is about acquiring, not about the jury's calendar)."""
    today = today or timezone.localdate()
    locked = CaseFile.objects.select_for_update().get(pk=pk)
    if not lapsing_files(today).filter(pk=locked.pk).exists():
        return False
    locked.state, locked.closed_on = CaseFileState.EXPIRED, today
    locked.closing_reason = "Délai de 5 ans dépassé depuis l'évaluation préalable"
    locked.save(update_fields=["state", "closed_on", "closing_reason"])
    DomainAcquisition.objects.filter(case_file=locked, status=DomainStatus.ACQUIRED).update(
        status=DomainStatus.LAPSED
    )
    record(
        CaseFileEvent.EXPIRED,
        actor=actor,
        subject=locked,
        summary=f"Acquis caducs : délai de 5 ans échu le {locked.expires_on:%d/%m/%Y}.",
    )
    return True
