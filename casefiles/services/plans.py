"""The individual training plan on the domains still missing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max

from accreditation.models import AccreditationRole, Certification, Domain, Site
from accreditation.scoping import scope_of
from accreditation.selectors import accredited_throughout
from backoffice.core.accounts.roles import Role, has_role
from backoffice.core.accounts.types import Actor
from backoffice.core.audit.events import record
from casefiles.rules.dates import act_day, act_moment
from casefiles.rules.plans import MAX_PLAN_HOURS, PlanFacts, plan_codes, plan_errors, plan_trail

from ..events import CaseFileEvent
from ..models import Assessment, CaseFile, CaseFileState, DomainAcquisition, DomainStatus, TrainingPlan
from .access import ensure_evaluator, lock_in_state

__all__ = ["MAX_PLAN_HOURS", "TRAINER_ROLES", "record_training_plan"]

TRAINER_ROLES = (Role.TRAINER_STAFF, Role.EVALUATOR_STAFF)
PLANNING = "établir le plan de formation"


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
    ensure_evaluator(
        actor, locked.evaluation_site, locked.certification, planned_on(starts_on), what=PLANNING
    )
    domains = list(domains)
    to_train, last_assessed = files_before_plan([locked.pk])[locked.pk]
    facts = PlanFacts(
        to_train=to_train,
        expires_on=locked.expires_on,
        last_assessed_on=last_assessed,
        trainer_belongs=trainer_belongs(trainer, training_site),
        accredited_throughout=trainer_site_accredited(
            training_site, locked.certification, starts_on, ends_on
        ),
    )
    check_plan(locked, facts, training_site, domains, hours, starts_on, ends_on)
    plan = TrainingPlan.objects.create(
        case_file=locked,
        number=plans_so_far([locked.pk])[locked.pk] + 1,
        training_site=training_site,
        trainer=trainer,
        hours=hours,
        starts_on=starts_on,
        ends_on=ends_on,
        created_at=act_moment(),
    )
    plan.domains.set(domains)
    locked.state = CaseFileState.FINAL_EVALUATION
    locked.save(update_fields=["state"])
    summary, data = plan_trail(
        plan.number, plan_codes(domains), hours, training_site.name, starts_on, ends_on
    )
    record(CaseFileEvent.TRAINING_PLANNED, actor=actor, subject=locked, summary=summary, data=data)
    return plan


def planned_on(starts_on: dt.date) -> dt.date:
    """The day the plan is judged on: the day it starts at the latest (a past plan recorded today is judged
    then); the day it is drawn up when it starts later (today, or the historical day of a plan taken over)."""
    return min(starts_on, act_day())


def check_plan(
    case_file: CaseFile,
    facts: PlanFacts,
    site: Site,
    domains: list[Any],
    hours: int,
    starts_on: dt.date,
    ends_on: dt.date,
) -> None:
    """Refuse the plan with every reason at once (`casefiles.rules.plans.plan_errors`)."""
    errors = plan_errors(
        facts, domains, hours, starts_on, ends_on, site_name=site.name, certification=case_file.certification
    )
    if errors:
        raise ValidationError(errors)


def trainer_belongs(trainer: Any, site: Site) -> bool:
    """An active trainer (or evaluator) of the training site's organisation."""
    is_trainer = trainer is not None and trainer.is_active and has_role(trainer, *TRAINER_ROLES)
    return is_trainer and scope_of(trainer).organisation_id == site.organisation_id


def trainer_site_accredited(
    site: Site, certification: Certification, starts_on: dt.date, ends_on: dt.date
) -> bool | None:
    """CléA Numérique and CléA Management are trained by accredited organisations, on every day of the plan:
    whether the site was; None when the certification does not ask it (or the dates are reversed)."""
    if not certification.trainer_accreditation_required or ends_on < starts_on:
        return None
    return accredited_throughout(site, certification, AccreditationRole.TRAINER, starts_on, ends_on)


def files_before_plan(file_ids: list[int]) -> dict[int, tuple[frozenset[int], dt.date | None]]:
    """For each file: its domains still to train and the date of its latest assessment (two queries)."""
    to_train: dict[int, set[int]] = {pk: set() for pk in file_ids}
    for file_id, domain_id in DomainAcquisition.objects.filter(
        case_file_id__in=file_ids, status=DomainStatus.TO_TRAIN
    ).values_list("case_file_id", "domain_id"):
        to_train[file_id].add(domain_id)
    last = dict(
        Assessment.objects.filter(case_file_id__in=file_ids)
        .order_by()
        .values("case_file_id")
        .annotate(last=Max("assessed_on"))
        .values_list("case_file_id", "last")
    )
    return {pk: (frozenset(to_train[pk]), last.get(pk)) for pk in file_ids}


def plans_so_far(file_ids: list[int]) -> dict[int, int]:
    """For each file, how many plans it has had (0 before the first): the next one is numbered after them."""
    numbers = dict(
        TrainingPlan.objects.filter(case_file_id__in=file_ids)
        .order_by()
        .values("case_file_id")
        .annotate(last=Count("id"))
        .values_list("case_file_id", "last")
    )
    return {pk: numbers.get(pk) or 0 for pk in file_ids}
