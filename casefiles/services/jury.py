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
from backoffice.core.audit.events import record, record_each
from backoffice.core.bulksql import update_rows
from casefiles.rules.dates import check_date

from ..events import CaseFileEvent
from ..models import CaseFile, CaseFileState, DomainAcquisition, DomainStatus
from .access import ensure_evaluator, lock_in_state

JURY_ROLES = (Role.JURY_MEMBER, Role.SUPERVISOR, Role.ADMINISTRATOR)


def ensure_jury_of_files(actor: Actor, case_file_ids: list[int]) -> None:
    """Only the jury of the files' region (or a national supervisor) decides on them; one query for many."""
    in_region = scope_of(actor).filter(
        CaseFile.objects.filter(pk__in=case_file_ids), region="evaluation_site__region_id"
    )
    if actor is None or not has_role(actor, *JURY_ROLES) or in_region.count() != len(set(case_file_ids)):
        raise PermissionDenied("Seul le jury de la région du dossier peut le renvoyer à l'organisme.")


@transaction.atomic
def return_case_file_from_jury(
    case_file: CaseFile, *, reason: str, actor: Actor, on: dt.date | None = None
) -> CaseFile:
    """Send a file ready for jury back to its evaluation organisation for completion; reason required."""
    ensure_jury_of_files(actor, [case_file.pk])
    locked = lock_in_state(case_file, CaseFileState.READY_FOR_JURY)
    return_case_files_from_jury([(locked, reason)], actor=actor, on=on)
    return locked


def return_case_files_from_jury(
    returns: list[tuple[CaseFile, str]], *, actor: Actor, on: dt.date | None = None
) -> None:
    """`return_case_file_from_jury` for files the caller holds locked, ready for jury (a session's returns):
    the same checks and rows, each event told as `record` tells one (the organisation learns of each)."""
    if not returns:
        return
    ensure_jury_of_files(actor, [case_file.pk for case_file, _ in returns])
    on = on or timezone.localdate()
    for case_file, reason in returns:
        if not (reason or "").strip():
            raise ValidationError("Le motif du renvoi est obligatoire.")
        check_date(
            on, not_before=case_file.ready_for_jury_on, label="du renvoi", previous="la transmission au jury"
        )
        case_file.state, case_file.returned_on = CaseFileState.RETURNED, on
        case_file.return_reason = reason.strip()
    update_rows(CaseFile, [case_file for case_file, _ in returns], ["state", "returned_on", "return_reason"])
    record_each(
        CaseFileEvent.RETURNED_BY_JURY,
        actor=actor,
        subjects=[case_file for case_file, _ in returns],
        summaries=[
            f"Dossier renvoyé par le jury à l'organisme évaluateur : {case_file.return_reason}"
            for case_file, _ in returns
        ],
        data_each=[{"reason": case_file.return_reason} for case_file, _ in returns],
    )


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
