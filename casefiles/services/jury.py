"""A file returned by the jury: back to its evaluation organisation with the reason, then answered."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accreditation.models import Domain
from accreditation.scoping import scope_of
from backoffice.core.accounts.roles import Role, has_role
from backoffice.core.accounts.types import Actor
from backoffice.core.audit.events import record
from casefiles.rules.dates import check_date

from ..events import CaseFileEvent
from ..models import CaseFile, CaseFileState, DomainAcquisition, DomainStatus
from .access import ensure_evaluator, lock_in_state

JURY_ROLES = (Role.JURY_MEMBER, Role.SUPERVISOR, Role.ADMINISTRATOR)


def _ensure_jury_of_region(actor: Actor, case_file: CaseFile) -> None:
    """Only the jury of the file's region (or a national supervisor) decides on it."""
    in_region = scope_of(actor).filter(
        CaseFile.objects.filter(pk=case_file.pk), region="evaluation_site__region_id"
    )
    if actor is None or not has_role(actor, *JURY_ROLES) or not in_region.exists():
        raise PermissionDenied("Seul le jury de la région du dossier peut le renvoyer à l'organisme.")


@transaction.atomic
def return_case_file_from_jury(
    case_file: CaseFile, *, reason: str, actor: Actor, on: dt.date | None = None
) -> CaseFile:
    """Send a file ready for jury back to its evaluation organisation for completion; reason required."""
    _ensure_jury_of_region(actor, case_file)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Le motif du renvoi est obligatoire.")
    locked = lock_in_state(case_file, CaseFileState.READY_FOR_JURY)
    on = on or timezone.localdate()
    check_date(on, not_before=locked.ready_for_jury_on, label="du renvoi", previous="la transmission au jury")
    locked.state, locked.returned_on, locked.return_reason = CaseFileState.RETURNED, on, reason
    locked.save(update_fields=["state", "returned_on", "return_reason"])
    record(
        CaseFileEvent.RETURNED_BY_JURY,
        actor=actor,
        subject=locked,
        summary=f"Dossier renvoyé par le jury à l'organisme évaluateur : {reason}",
        data={"reason": reason},
    )
    return locked


@transaction.atomic
def answer_jury_return(
    case_file: CaseFile,
    *,
    response: str,
    reopened_domains: Iterable[Domain] = (),
    actor: Actor,
    on: dt.date | None = None,
) -> CaseFile:
    """The evaluator answers the jury: the file goes back to the jury completed, or the domains the jury
    questioned are reopened for a new training plan and final evaluation."""
    locked = lock_in_state(case_file, CaseFileState.RETURNED)
    on = on or timezone.localdate()
    ensure_evaluator(actor, locked.evaluation_site, locked.certification, on, what="reprendre le dossier")
    response = (response or "").strip()
    domains = sorted(reopened_domains, key=lambda d: d.position)
    _check_answer(locked, response, domains)
    if domains:
        DomainAcquisition.objects.filter(case_file=locked, domain__in=domains).update(
            status=DomainStatus.TO_TRAIN, acquired_on=None
        )
        locked.state, locked.ready_for_jury_on = CaseFileState.TRAINING, None
        outcome = f"domaines rouverts pour formation : {', '.join(d.code for d in domains)}"
    else:
        locked.state, locked.ready_for_jury_on = CaseFileState.READY_FOR_JURY, on
        outcome = "dossier complété, de nouveau prêt pour le jury"
    locked.save(update_fields=["state", "ready_for_jury_on"])
    record(
        CaseFileEvent.RETURN_ANSWERED,
        actor=actor,
        subject=locked,
        summary=f"Réponse au renvoi du jury ({outcome}) : {response}",
        data={"response": response, "reopened": [d.code for d in domains]},
    )
    return locked


def _check_answer(case_file: CaseFile, response: str, domains: list[Domain]) -> None:
    errors = []
    if not response:
        errors.append("Indiquez ce qui a été complété ou corrigé en réponse au jury.")
    acquired = set(
        case_file.domain_grid.filter(status=DomainStatus.ACQUIRED).values_list("domain_id", flat=True)
    )
    errors += [
        f"Le domaine {d.code} n'est pas acquis dans ce dossier : il ne peut pas être rouvert."
        for d in domains
        if d.pk not in acquired
    ]
    if errors:
        raise ValidationError(errors)
