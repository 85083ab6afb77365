"""Organisations, sites and the accreditation lifecycle."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from backoffice.core.accounts.roles import Role, has_role
from backoffice.core.accounts.types import Actor, SystemActor
from backoffice.core.audit.events import record, recovery

from ..events import AccreditationEvent
from ..models import (
    Accreditation,
    AccreditationRole,
    AccreditationStatus,
    AccreditationStatusChange,
    Certification,
    Department,
    Organisation,
    Site,
)
from ..rules import default_valid_to


@transaction.atomic
def register_organisation(*, siren: str, legal_name: str, nda: str = "", actor: SystemActor) -> Organisation:
    """Record a new organisation after checking its SIREN."""
    organisation = Organisation(siren=siren, legal_name=legal_name.strip(), nda=nda)
    organisation.full_clean()
    organisation.save()
    record(
        AccreditationEvent.ORGANISATION_REGISTERED,
        actor=actor,
        subject=organisation,
        summary=f"Organisme {organisation.legal_name} (SIREN {organisation.siren}) enregistré.",
    )
    return organisation


@transaction.atomic
def update_organisation(organisation: Organisation, *, actor: Actor, **changes: Any) -> Organisation:
    """Change an organisation's identity fields."""
    before = {name: getattr(organisation, name) for name in changes}
    for name, value in changes.items():
        setattr(organisation, name, value)
    organisation.full_clean()
    organisation.save()
    record(
        AccreditationEvent.ORGANISATION_UPDATED,
        actor=actor,
        subject=organisation,
        summary="Organisme modifié.",
        data=_diff(before, changes),
    )
    return organisation


@transaction.atomic
def add_site(
    organisation: Organisation,
    *,
    siret: str,
    name: str,
    address: str,
    postcode: str,
    city: str,
    department: Department,
    departments_covered: Iterable[Department] = (),
    actor: SystemActor,
) -> Site:
    """Add an establishment (SIRET) to an organisation; its region follows its department."""
    site = Site(  # the region follows the department (Site.clean)
        organisation=organisation,
        siret=siret,
        name=name.strip(),
        address=address.strip(),
        postcode=postcode.strip(),
        city=city.strip(),
        department=department,
        region_id=department.region_id,
    )
    site.full_clean()
    site.save()
    site.departments_covered.set(list(departments_covered) or [department])
    record(
        AccreditationEvent.SITE_ADDED,
        actor=actor,
        subject=site,
        summary=f"Établissement {site.name} (SIRET {site.siret}) ajouté à {organisation.legal_name}.",
    )
    return site


@transaction.atomic
def update_site(
    site: Site, *, actor: Actor, departments_covered: Iterable[Department] | None = None, **changes: Any
) -> Site:
    """Change a site's address or coverage, keeping postcode and department coherent."""
    before = {name: str(getattr(site, name)) for name in changes}
    after = {name: str(value) for name, value in changes.items()}
    for name, value in changes.items():
        setattr(site, name, value)
    site.full_clean()
    site.save()
    if departments_covered is not None:
        before["departments_covered"] = _codes(site.departments_covered.all())
        site.departments_covered.set(list(departments_covered))
        after["departments_covered"] = _codes(site.departments_covered.all())
    record(
        AccreditationEvent.SITE_UPDATED,
        actor=actor,
        subject=site,
        summary="Établissement modifié.",
        data=_diff(before, after),
    )
    return site


@transaction.atomic
def grant_accreditation(
    site: Site,
    *,
    certification: Certification,
    role: AccreditationRole | str,
    valid_from: dt.date,
    valid_to: dt.date | None = None,
    actor: SystemActor,
) -> Accreditation:
    """Accredit a site for a certification and role; periods of the same scope never overlap."""
    # Serialise grants on one site so two concurrent grants cannot both pass the overlap check.
    Site.objects.select_for_update().filter(pk=site.pk).first()
    valid_to = valid_to or default_valid_to(valid_from)
    accreditation = Accreditation(
        site=site, certification=certification, role=role, valid_from=valid_from, valid_to=valid_to
    )
    taken_over = recovery()
    if taken_over is not None:
        # A grant of the old system: its status dates from its start, and it belongs to the batch.
        accreditation.status_changed_on = valid_from
        accreditation.legacy_batch_id = taken_over.batch
    accreditation.full_clean()
    accreditation.save()
    _record_status_change(accreditation, AccreditationStatus.ACTIVE, on=valid_from, reason="", actor=actor)
    record(
        AccreditationEvent.ACCREDITATION_GRANTED,
        actor=actor,
        subject=accreditation,
        summary=f"Habilitation {accreditation.get_role_display().lower()} {certification} accordée du "
        f"{valid_from:%d/%m/%Y} au {valid_to:%d/%m/%Y}.",
        data={"valid_from": valid_from.isoformat(), "valid_to": valid_to.isoformat()},
    )
    return accreditation


_TRANSITIONS: dict[AccreditationStatus, tuple[set[str], AccreditationEvent, str]] = {
    AccreditationStatus.SUSPENDED: (
        {AccreditationStatus.ACTIVE},
        AccreditationEvent.ACCREDITATION_SUSPENDED,
        "suspendue",
    ),
    AccreditationStatus.ACTIVE: (
        {AccreditationStatus.SUSPENDED},
        AccreditationEvent.ACCREDITATION_REINSTATED,
        "rétablie",
    ),
    AccreditationStatus.WITHDRAWN: (
        {AccreditationStatus.ACTIVE, AccreditationStatus.SUSPENDED},
        AccreditationEvent.ACCREDITATION_WITHDRAWN,
        "retirée",
    ),
    AccreditationStatus.EXPIRED: (
        {AccreditationStatus.ACTIVE, AccreditationStatus.SUSPENDED},
        AccreditationEvent.ACCREDITATION_EXPIRED,
        "expirée",
    ),
}
EXPIRY_REASON = "Fin de la période de validité"


def refused_transition(status: str, target: AccreditationStatus) -> str:
    """Why an accreditation of `status` cannot move to `target`, in French; "" when it can (the one table of
    allowed moves: active ⇄ suspended, then withdrawn or expired for good)."""
    allowed_from, _, word = _TRANSITIONS[target]
    if status in allowed_from:
        return ""
    return f"Une habilitation « {AccreditationStatus(status).label.lower()} » ne peut pas être {word}."


def expiry_day(valid_to: dt.date) -> dt.date:
    """The day an accreditation valid until `valid_to` expires: the first day the daily run finds it due."""
    return valid_to + dt.timedelta(days=1)


def _change_status(
    accreditation: Accreditation,
    target: AccreditationStatus,
    *,
    reason: str,
    actor: SystemActor,
    on: dt.date | None = None,
) -> Accreditation:
    _, verb, word = _TRANSITIONS[target]
    # Suspending, reinstating or withdrawing is a supervisor's decision (the system expires, with no actor).
    if actor is not None and not has_role(actor, Role.SUPERVISOR, Role.ADMINISTRATOR):
        raise PermissionDenied("Seul·e un·e superviseur·e change le statut d'une habilitation.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"status_reason": "Le motif est obligatoire."})
    with transaction.atomic():
        locked = Accreditation.objects.select_for_update().get(pk=accreditation.pk)
        refused = refused_transition(locked.status, target)
        if refused:
            raise ValidationError(refused)
        if on is not None and target != AccreditationStatus.EXPIRED:  # an expiry's day is the rule's
            _ensure_may_date(locked, on)
        previous = locked.status
        locked.status = target
        locked.status_reason = reason
        locked.status_changed_on = on or timezone.localdate()
        locked.save(update_fields=["status", "status_reason", "status_changed_on"])
        _record_status_change(locked, target, on=locked.status_changed_on, reason=reason, actor=actor)
        record(
            verb,
            actor=actor,
            subject=locked,
            summary=f"Habilitation {word} : {reason}",
            data={"from": previous, "to": str(target), "on": locked.status_changed_on.isoformat()},
        )
    accreditation.refresh_from_db()
    return accreditation


def _ensure_may_date(accreditation: Accreditation, on: dt.date) -> None:
    """A change dated in the past (a decision taken then) fits the history: not in the future, not before
    the validity starts, not before the last change recorded (the history is read in date order)."""
    if on > timezone.localdate():
        raise ValidationError("La date d'effet d'un changement de statut ne peut pas être dans le futur.")
    if on < accreditation.valid_from:
        raise ValidationError(
            f"La date d'effet ({on:%d/%m/%Y}) précède le début de validité de l'habilitation "
            f"({accreditation.valid_from:%d/%m/%Y})."
        )
    last = (
        AccreditationStatusChange.objects.filter(accreditation=accreditation)
        .order_by("-effective_on")
        .values_list("effective_on", flat=True)
        .first()
    )
    if last is not None and on < last:
        raise ValidationError(
            f"La date d'effet ({on:%d/%m/%Y}) précède le dernier changement de statut enregistré "
            f"({last:%d/%m/%Y})."
        )


def _record_status_change(
    accreditation: Accreditation, status: str, *, on: dt.date, reason: str, actor: SystemActor
) -> None:
    """Date the change, so that an act is later judged by the status of its own day."""
    taken_over = recovery()  # a change of the old system was recorded on its own day, not today
    AccreditationStatusChange.objects.create(
        accreditation=accreditation,
        status=status,
        effective_on=on,
        reason=reason,
        recorded_at=taken_over.at if taken_over is not None else timezone.now(),
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )


def suspend_accreditation(
    accreditation: Accreditation, *, reason: str, actor: SystemActor, on: dt.date | None = None
) -> Accreditation:
    """Suspend an active accreditation from `on` (today by default, or the past day the decision took
    effect): the site loses its rights until reinstated."""
    return _change_status(accreditation, AccreditationStatus.SUSPENDED, reason=reason, actor=actor, on=on)


def reinstate_accreditation(
    accreditation: Accreditation, *, reason: str, actor: SystemActor, on: dt.date | None = None
) -> Accreditation:
    """Lift a suspension from `on` (today by default)."""
    return _change_status(accreditation, AccreditationStatus.ACTIVE, reason=reason, actor=actor, on=on)


def withdraw_accreditation(
    accreditation: Accreditation, *, reason: str, actor: SystemActor, on: dt.date | None = None
) -> Accreditation:
    """Withdraw an accreditation for good, from `on` (today by default)."""
    return _change_status(accreditation, AccreditationStatus.WITHDRAWN, reason=reason, actor=actor, on=on)


def expire_accreditation(
    accreditation: Accreditation, *, on: dt.date, actor: SystemActor = None
) -> Accreditation:
    """Mark an accreditation whose validity has ended as expired on `on`: the daily run's day, or the day
    after its validity for a history taken over from the old system."""
    if on < expiry_day(accreditation.valid_to):
        raise ValidationError(
            f"Une habilitation valide jusqu'au {accreditation.valid_to:%d/%m/%Y} n'expire pas avant le "
            f"{expiry_day(accreditation.valid_to):%d/%m/%Y}."
        )
    return _change_status(
        accreditation, AccreditationStatus.EXPIRED, reason=EXPIRY_REASON, actor=actor, on=on
    )


def expire_accreditations(*, today: dt.date | None = None, actor: SystemActor = None) -> int:
    """Mark as expired the accreditations whose validity has ended; safe to run twice."""
    today = today or timezone.localdate()
    due = Accreditation.objects.filter(
        status__in=[AccreditationStatus.ACTIVE, AccreditationStatus.SUSPENDED], valid_to__lt=today
    )  # valid_to < today: expiry_day(valid_to) <= today
    count = 0
    for accreditation in due.iterator():
        expire_accreditation(accreditation, on=today, actor=actor)
        count += 1
    return count


def _codes(departments: Iterable[Department]) -> str:
    return ", ".join(sorted(d.code for d in departments))


def _diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    return {
        name: {"avant": str(before[name]), "après": str(value)}
        for name, value in after.items()
        if str(before[name]) != str(value)
    }
