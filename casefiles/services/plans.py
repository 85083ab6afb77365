"""The individual training plan on the domains still missing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accreditation.models import AccreditationRole, Domain, Site
from accreditation.scoping import scope_of
from accreditation.selectors import accredited_throughout
from backoffice.core.accounts.roles import Role, has_role
from backoffice.core.accounts.types import Actor
from backoffice.core.audit.events import record

from ..events import CaseFileEvent
from ..models import CaseFile, CaseFileState, DomainStatus, TrainingPlan
from .access import ensure_evaluator, lock_in_state

MAX_PLAN_HOURS = 1000
TRAINER_ROLES = (Role.TRAINER_STAFF, Role.EVALUATOR_STAFF)


@transaction.atomic
def record_training_plan(
    case_file: CaseFile,
    *,
    training_site: Site,
    trainer: Any,
    domains: Iterable[Domain],
    hours: int,
    starts_on: dt.date,
    ends_on: dt.date,
    actor: Actor,
) -> TrainingPlan:
    """Record the plan on missing domains only, with a trainer of the training organisation."""
    locked = lock_in_state(case_file, CaseFileState.TRAINING)
    # The plan is established on the day it starts at the latest (a past plan recorded today is judged then).
    ensure_evaluator(
        actor,
        locked.evaluation_site,
        locked.certification,
        min(starts_on, timezone.localdate()),
        what="établir le plan de formation",
    )
    domains = list(domains)
    _check_plan(locked, training_site, trainer, domains, hours, starts_on, ends_on)
    plan = TrainingPlan.objects.create(
        case_file=locked,
        number=locked.training_plans.count() + 1,
        training_site=training_site,
        trainer=trainer,
        hours=hours,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    plan.domains.set(domains)
    locked.state = CaseFileState.FINAL_EVALUATION
    locked.save(update_fields=["state"])
    codes = ", ".join(d.code for d in sorted(domains, key=lambda d: d.position))
    record(
        CaseFileEvent.TRAINING_PLANNED,
        actor=actor,
        subject=locked,
        summary=f"Plan de formation n° {plan.number} : {codes}, {hours} h, {training_site.name}, "
        f"du {starts_on:%d/%m/%Y} au {ends_on:%d/%m/%Y}.",
        data={"plan": plan.number, "domains": codes, "hours": hours},
    )
    return plan


def _check_plan(
    case_file: CaseFile,
    site: Site,
    trainer: Any,
    domains: list[Domain],
    hours: int,
    starts_on: dt.date,
    ends_on: dt.date,
) -> None:
    errors = []
    to_train = set(
        case_file.domain_grid.filter(status=DomainStatus.TO_TRAIN).values_list("domain_id", flat=True)
    )
    if not domains:
        errors.append("Choisissez au moins un domaine à former.")
    errors += [
        f"Le domaine {d.code} est déjà acquis ou hors du référentiel : il ne peut pas être visé."
        for d in domains
        if d.pk not in to_train
    ]
    if not hours or hours <= 0:
        errors.append("Le nombre d'heures de formation doit être supérieur à zéro.")
    elif hours > MAX_PLAN_HOURS:
        errors.append(f"Un plan de formation compte au plus {MAX_PLAN_HOURS} heures.")
    if case_file.expires_on and ends_on > case_file.expires_on:
        errors.append(
            f"La formation doit se terminer avant la fin du délai de 5 ans ({case_file.expires_on:%d/%m/%Y})."
        )
    last = case_file.assessments.order_by("-assessed_on").values_list("assessed_on", flat=True).first()
    if last and starts_on < last:
        errors.append(f"La formation ne peut pas commencer avant la dernière évaluation ({last:%d/%m/%Y}).")
    if ends_on < starts_on:
        errors.append("La fin de la formation ne peut pas précéder son début.")
    is_trainer = trainer is not None and trainer.is_active and has_role(trainer, *TRAINER_ROLES)
    if not is_trainer or scope_of(trainer).organisation_id != site.organisation_id:
        errors.append("Le·la formateur·rice doit faire partie de l'organisme de formation choisi.")
    # CléA Numérique and CléA Management are trained by accredited organisations, on every day of the plan.
    needs_accreditation = case_file.certification.trainer_accreditation_required
    if (
        needs_accreditation
        and ends_on >= starts_on
        and not accredited_throughout(
            site, case_file.certification, AccreditationRole.TRAINER, starts_on, ends_on
        )
    ):
        errors.append(
            f"{site.name} n'est pas habilité comme organisme de formation pour {case_file.certification} "
            f"sur toute la durée de la formation (du {starts_on:%d/%m/%Y} au {ends_on:%d/%m/%Y})."
        )
    if errors:
        raise ValidationError(errors)
