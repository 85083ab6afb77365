"""Undoing a closed step: a supervisor only, recorded in the timeline; the grid is rebuilt."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accreditation.models import SubDomain
from backoffice.core.accounts.roles import Role, has_role
from backoffice.core.accounts.types import SystemActor
from backoffice.core.audit.events import record
from casefiles.rules.dates import add_years

from ..events import CaseFileEvent
from ..models import (
    OPEN_STATES,
    AssessmentKind,
    CaseFile,
    CaseFileState,
    DomainAcquisition,
    DomainStatus,
)
from ..selectors import case_files_for
from .assessments import ACQUISITION_YEARS, set_domain_result

STEP_LABELS = {
    "positioning": "l'évaluation préalable",
    "training_plan": "le plan de formation",
    "final_evaluation": "l'évaluation finale",
}


@transaction.atomic
def undo_step(case_file: CaseFile, step: str, *, actor: SystemActor) -> CaseFile:
    """Remove the last record of a step (assessment or plan) so that it can be done again."""
    if actor is None or not has_role(actor, Role.SUPERVISOR, Role.ADMINISTRATOR):
        raise PermissionDenied("Seul·e un·e superviseur·e peut annuler une étape close.")
    if not case_files_for(actor).filter(pk=case_file.pk).exists():
        raise PermissionDenied("Ce dossier n'est pas dans votre périmètre.")
    if step not in STEP_LABELS:
        raise ValidationError("Cette étape ne peut pas être annulée.")
    locked = CaseFile.objects.select_for_update().get(pk=case_file.pk)
    if locked.state not in OPEN_STATES:
        raise ValidationError("Un dossier clos ne peut plus être modifié.")
    if locked.returned_on is not None:
        # The grid is rebuilt from assessments; the domains a jury return reopened would be lost.
        raise ValidationError("Les étapes d'un dossier renvoyé par le jury ne peuvent plus être annulées.")
    removed = _remove_last(locked, step)
    _rebuild(locked)
    record(
        CaseFileEvent.STEP_UNDONE,
        actor=actor,
        subject=locked,
        summary=f"Annulation de {STEP_LABELS[step]} ({removed}) par un·e superviseur·e.",
        data={"step": step},
    )
    return locked


def _remove_last(case_file: CaseFile, step: str) -> str:
    if step == "training_plan":
        plan = case_file.training_plans.order_by("-number").first()
        if plan is None or plan.final_assessments.exists():
            raise ValidationError("Aucun plan de formation sans évaluation finale à annuler.")
        label = str(plan)
        plan.delete()
        return label
    kind = AssessmentKind.POSITIONING if step == "positioning" else AssessmentKind.FINAL
    assessment = case_file.assessments.filter(kind=kind).order_by("-assessed_on", "-id").first()
    if assessment is None:
        raise ValidationError(f"Aucune étape « {STEP_LABELS[step]} » à annuler.")
    label = str(assessment)
    assessment.delete()
    return label


def _rebuild(case_file: CaseFile) -> None:
    """Replay the remaining assessments on an empty grid, then derive the step the file is at."""
    rows = {row.domain_id: row for row in DomainAcquisition.objects.filter(case_file=case_file)}
    for row in rows.values():
        row.status, row.acquired_on, row.source = DomainStatus.NOT_ASSESSED, None, None
    assessments = list(case_file.assessments.order_by("assessed_on", "id"))
    domain_of = dict(
        SubDomain.objects.filter(domain__framework_version=case_file.framework_version_id).values_list(
            "code", "domain_id"
        )
    )
    for assessment in assessments:
        by_domain: dict[int, bool] = {}
        for code, acquired in assessment.results.items():
            domain_id = domain_of[code]
            by_domain[domain_id] = by_domain.get(domain_id, True) and acquired
        for domain_id, acquired in by_domain.items():
            set_domain_result(rows[domain_id], acquired=acquired, assessment=assessment)
    DomainAcquisition.objects.bulk_update(rows.values(), ["status", "acquired_on", "source"])
    positioning = next((a for a in assessments if a.kind == AssessmentKind.POSITIONING), None)
    case_file.positioned_on = positioning.assessed_on if positioning else None
    case_file.expires_on = add_years(positioning.assessed_on, ACQUISITION_YEARS) if positioning else None
    case_file.state = _derive_state(case_file, positioning is not None, rows.values())
    if case_file.state != CaseFileState.READY_FOR_JURY:
        case_file.ready_for_jury_on = None
    case_file.save()


def _derive_state(case_file: CaseFile, positioned: bool, rows: Any) -> str:
    if not positioned:
        return CaseFileState.POSITIONING
    plans = case_file.training_plans.count()
    finals = case_file.assessments.filter(kind=AssessmentKind.FINAL).count()
    if plans > finals:
        return CaseFileState.FINAL_EVALUATION
    if all(row.status == DomainStatus.ACQUIRED for row in rows):
        return CaseFileState.READY_FOR_JURY
    return CaseFileState.TRAINING
