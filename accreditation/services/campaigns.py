"""Accreditation campaigns run by Certif'Pro staff: drafted, opened, closed, reviewed, decided, archived."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from backoffice.core.accounts.roles import Role, has_role
from backoffice.core.accounts.types import Actor
from backoffice.core.audit.events import record

from ..events import CampaignEvent
from ..models import AccreditationCampaign, CampaignStatus, Certification, ReviewCriterion
from ..rules import CAMPAIGN_TRANSITIONS

STAFF_ROLES = (Role.CASE_OFFICER, Role.SUPERVISOR, Role.ADMINISTRATOR)


def ensure_campaign_staff(actor: Actor) -> None:
    """Campaigns are national: case officers and supervisors of Certif'Pro run them."""
    if actor is None or not has_role(actor, *STAFF_ROLES):
        raise PermissionDenied("Seul le personnel de Certif'Pro gère les campagnes d'habilitation.")


def _check_dates(opens_on: dt.date, deadline: dt.date, board_on: dt.date) -> list[str]:
    errors = []
    if deadline < opens_on:
        errors.append("La date limite de dépôt ne peut pas précéder l'ouverture.")
    if board_on < deadline:
        errors.append("Le conseil d'administration se tient après la date limite de dépôt.")
    return errors


@transaction.atomic
def create_campaign(
    *,
    name: str,
    certifications: Iterable[Certification],
    opens_evaluator: bool,
    opens_trainer: bool,
    audience: str,
    opens_on: dt.date,
    deadline: dt.date,
    board_on: dt.date,
    fee_per_application: Decimal = Decimal("0"),
    fee_per_site: Decimal = Decimal("0"),
    criteria: Iterable[tuple[str, int]] = (),
    actor: Actor,
) -> AccreditationCampaign:
    """Prepare a campaign as a draft, with its review grid (label, maximum score)."""
    ensure_campaign_staff(actor)
    certifications, criteria = list(certifications), list(criteria)
    errors = _check_dates(opens_on, deadline, board_on)
    if not name.strip():
        errors.append("Donnez un intitulé à la campagne.")
    if not certifications:
        errors.append("Choisissez au moins une certification.")
    if not (opens_evaluator or opens_trainer):
        errors.append("La campagne s'ouvre aux évaluateurs, aux formateurs, ou aux deux.")
    if fee_per_application < 0 or fee_per_site < 0:
        errors.append("Les frais ne peuvent pas être négatifs.")
    if errors:
        raise ValidationError(errors)
    campaign = AccreditationCampaign.objects.create(
        name=name.strip(),
        opens_evaluator=opens_evaluator,
        opens_trainer=opens_trainer,
        audience=audience,
        opens_on=opens_on,
        deadline=deadline,
        board_on=board_on,
        fee_per_application=fee_per_application,
        fee_per_site=fee_per_site,
    )
    campaign.certifications.set(certifications)
    for label, max_score in criteria:
        add_criterion(campaign, label=label, max_score=max_score, actor=actor)
    record(CampaignEvent.CREATED, actor=actor, subject=campaign, summary=f"Campagne préparée : {campaign}.")
    return campaign


@transaction.atomic
def add_criterion(
    campaign: AccreditationCampaign, *, label: str, max_score: int, actor: Actor
) -> ReviewCriterion:
    """Add a line to a draft campaign's review grid."""
    ensure_campaign_staff(actor)
    locked = AccreditationCampaign.objects.select_for_update().get(pk=campaign.pk)
    if locked.status != CampaignStatus.DRAFT:
        raise ValidationError("La grille d'instruction ne change plus une fois la campagne ouverte.")
    if not label.strip() or len(label.strip()) > 300 or not 1 <= max_score <= 100:
        raise ValidationError(
            "Un critère a un libellé (300 caractères au plus) et une note maximale de 1 à 100."
        )
    position = locked.criteria.count() + 1
    return ReviewCriterion.objects.create(
        campaign=locked, position=position, label=label.strip(), max_score=max_score
    )


@transaction.atomic
def move_campaign(campaign: AccreditationCampaign, to: str, *, actor: Actor) -> AccreditationCampaign:
    """Open, close, start the review, record the decision or archive a campaign, in that order only."""
    ensure_campaign_staff(actor)
    locked = AccreditationCampaign.objects.select_for_update().get(pk=campaign.pk)
    sources, verb, label = CAMPAIGN_TRANSITIONS[CampaignStatus(to)]
    if locked.status not in sources:
        raise ValidationError(
            f"La campagne est « {locked.get_status_display().lower()} » : elle ne peut pas être {label}."
        )
    if to == CampaignStatus.OPEN and not locked.criteria.exists():
        raise ValidationError(
            "Ajoutez au moins un critère à la grille d'instruction avant d'ouvrir la campagne."
        )
    if to == CampaignStatus.OPEN and locked.deadline < timezone.localdate():
        raise ValidationError("La date limite de dépôt est passée : la campagne ne peut plus ouvrir.")
    locked.status = to
    locked.save(update_fields=["status"])
    record(verb, actor=actor, subject=locked, summary=f"Campagne {label}.")
    return locked
