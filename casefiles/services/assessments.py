"""Recording the preliminary (positioning) and final assessments, and moving the file on."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from backoffice.core.accounts.types import Actor
from backoffice.core.audit.events import record
from casefiles.rules.acquisition import (
    AssessmentOutcome,
    acquired_codes,
    assessment_summary,
    check_within_window,
    domain_result,
    evaluate,
)
from casefiles.rules.dates import act_moment, add_years, check_date
from casefiles.rules.trail import entered_by, on_behalf_data

from ..events import CaseFileEvent
from ..models import (
    Assessment,
    AssessmentKind,
    CaseFile,
    CaseFileState,
    DomainAcquisition,
    DomainStatus,
    TrainingPlan,
)
from ..selectors import framework_structure
from .access import ensure_evaluator, ensure_may_enter, lock_in_state

ACQUISITION_YEARS = 5  # the candidate has 5 years from the positioning to complete
POSITIONING_LABEL, FINAL_LABEL = "Évaluation préalable", "Évaluation finale"
FINAL_EVALUATING = "saisir l'évaluation finale"  # what the one entering or the assessor may not do
ASSESSOR_IS_TRAINER = "L'évaluateur·rice de l'évaluation finale ne peut pas être le·la formateur·rice."
READY_FOR_JURY_SUMMARY = "Tous les domaines sont acquis : le dossier est prêt pour le jury."


@transaction.atomic
def record_positioning(
    case_file: CaseFile,
    *,
    assessed_on: dt.date,
    assessor: Any,
    results: Iterable[tuple[str, bool]],
    actor: Actor,
) -> CaseFile:
    """Record the preliminary assessment of every domain; all acquired → ready for jury, else training."""
    locked = lock_in_state(case_file, CaseFileState.POSITIONING)
    on_behalf = check_people(locked, actor, assessor, assessed_on, what="saisir l'évaluation préalable")
    check_date(
        assessed_on, not_before=locked.opened_on, label="de l'évaluation préalable", previous="l'accueil"
    )
    outcome = evaluate(framework_structure(locked.framework_version), results)
    assessment = _save(locked, AssessmentKind.POSITIONING, assessed_on, assessor, outcome, plan=None)
    locked.positioned_on = assessed_on
    locked.expires_on = add_years(assessed_on, ACQUISITION_YEARS)
    _apply(locked, outcome, assessment)
    summary, data = assessment_trail(
        POSITIONING_LABEL, outcome, assessment_id=assessment.pk, actor=actor, on_behalf=on_behalf
    )
    record(CaseFileEvent.POSITIONED, actor=actor, subject=locked, summary=summary, data=data)
    return _move_on(locked, assessed_on, actor)


@transaction.atomic
def record_final_evaluation(
    case_file: CaseFile,
    *,
    assessed_on: dt.date,
    assessor: Any,
    results: Iterable[tuple[str, bool]],
    actor: Actor,
) -> CaseFile:
    """Record the final assessment of the plan's domains; gaps left → a new training plan."""
    locked = lock_in_state(case_file, CaseFileState.FINAL_EVALUATION)
    plan = latest_plans([locked.pk]).get(locked.pk)
    assert plan is not None, "a file awaiting its final evaluation has a training plan"
    on_behalf = check_people(locked, actor, assessor, assessed_on, what=FINAL_EVALUATING)
    check_final_evaluation(locked, plan, assessor, assessed_on)
    outcome = evaluate(framework_structure(locked.framework_version, plan.domains.all()), results)
    assessment = _save(locked, AssessmentKind.FINAL, assessed_on, assessor, outcome, plan=plan)
    _apply(locked, outcome, assessment)
    summary, data = assessment_trail(
        FINAL_LABEL,
        outcome,
        assessment_id=assessment.pk,
        actor=actor,
        on_behalf=on_behalf,
        plan_number=plan.number,
    )
    record(CaseFileEvent.FINAL_EVALUATED, actor=actor, subject=locked, summary=summary, data=data)
    return _move_on(locked, assessed_on, actor)


def latest_plans(file_ids: list[int]) -> dict[int, TrainingPlan]:
    """Each file's latest training plan, with its domains (what its final evaluation assesses)."""
    plans = TrainingPlan.objects.filter(case_file_id__in=file_ids).order_by("case_file_id", "number")
    return {plan.case_file_id: plan for plan in plans.prefetch_related("domains")}


def check_final_evaluation(
    case_file: CaseFile, plan: TrainingPlan, assessor: Any, assessed_on: dt.date
) -> None:
    """A final evaluation is not made by the plan's trainer, nor dated before the plan starts nor after the
    file's 5-year window (after `check_people`: who may enter it, and the assessor)."""
    if assessor is not None and assessor.pk == plan.trainer_id:
        raise ValidationError(ASSESSOR_IS_TRAINER)
    check_date(
        assessed_on,
        not_before=plan.starts_on,
        label="de l'évaluation finale",
        previous="le début de la formation",
    )
    check_within_window(case_file, assessed_on)


def assessment_trail(
    label: str,
    outcome: AssessmentOutcome,
    *,
    assessment_id: int,
    actor: Actor,
    on_behalf: str,
    plan_number: int | None = None,
    acquired: list[str] | None = None,
) -> tuple[str, dict[str, Any]]:
    """The event's summary and data for an assessment (`acquired`: `acquired_codes(outcome)`, if known)."""
    if acquired is None:
        acquired = acquired_codes(outcome)
    summary = assessment_summary(label, outcome, acquired) + entered_by(actor, on_behalf)
    data: dict[str, Any] = {"assessment": assessment_id, "acquired": acquired}
    if plan_number is not None:
        data["plan"] = plan_number
    return summary, {**data, **on_behalf_data(on_behalf)}


def check_people(case_file: CaseFile, actor: Actor, assessor: Any, on: dt.date, *, what: str) -> str:
    """The one entering may (the organisation's staff, or Certif'Pro staff for it: its name is returned) and
    the assessor is the organisation's evaluator."""
    on_behalf = ensure_may_enter(actor, case_file.evaluation_site, case_file.certification, on, what=what)
    if assessor is None:
        raise ValidationError("L'évaluateur·rice est obligatoire.")
    ensure_evaluator(
        assessor, case_file.evaluation_site, case_file.certification, on, what="évaluer ce dossier"
    )
    return on_behalf


def _save(
    case_file: CaseFile,
    kind: str,
    assessed_on: dt.date,
    assessor: Any,
    outcome: AssessmentOutcome,
    *,
    plan: TrainingPlan | None,
) -> Assessment:
    return Assessment.objects.create(
        case_file=case_file,
        kind=kind,
        assessed_on=assessed_on,
        assessor=assessor,
        training_plan=plan,
        results=outcome.results,
        criteria=outcome.criteria,
        decided_by_criteria=outcome.decided_by_criteria,
        recorded_at=act_moment(),
    )


def _apply(case_file: CaseFile, outcome: AssessmentOutcome, assessment: Assessment) -> None:
    """Update the domain grid: acquisitions are kept; what is still missing is to train."""
    for row in DomainAcquisition.objects.filter(case_file=case_file, domain_id__in=outcome.domains):
        set_domain_result(row, acquired=outcome.domains[row.domain_id], assessment=assessment)
        row.save(update_fields=["status", "acquired_on", "source"])


def set_domain_result(row: DomainAcquisition, *, acquired: bool, assessment: Assessment) -> None:
    """One domain's result from one assessment: acquired on its date, or to train."""
    row.status, row.acquired_on = domain_result(acquired, assessment.assessed_on)
    row.source = assessment


def _move_on(case_file: CaseFile, on: dt.date, actor: Actor) -> CaseFile:
    missing = case_file.domain_grid.exclude(status=DomainStatus.ACQUIRED).exists()
    if missing:
        case_file.state = CaseFileState.TRAINING
    else:
        case_file.state = CaseFileState.READY_FOR_JURY
        case_file.ready_for_jury_on = on
        record(
            CaseFileEvent.READY_FOR_JURY,
            actor=actor,
            subject=case_file,
            summary=READY_FOR_JURY_SUMMARY,
        )
    case_file.save()
    return case_file
