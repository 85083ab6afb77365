"""Jury sessions before they open: planning, members by college, the agenda and the officer's check."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accreditation.models import Region
from accreditation.scoping import scope_of
from backoffice.core.accounts.roles import Role, has_role
from backoffice.core.accounts.types import Actor
from backoffice.core.audit.events import record, record_alike
from backoffice.core.bulksql import update_rows
from casefiles.rules.juries import working_days_before

from ..events import JuryEvent
from ..models import (
    AgendaItem,
    CaseFile,
    CaseFileState,
    College,
    JuryMember,
    JurySession,
    JurySessionStatus,
)
from ..selectors import files_due, pending_agenda_items, rule_for

OFFICER_ROLES = (Role.CASE_OFFICER, Role.SUPERVISOR, Role.ADMINISTRATOR)


def ensure_officer_of_region(actor: Actor, region_id: int) -> None:
    """A case officer or supervisor whose scope covers the region."""
    scope = scope_of(actor)
    if not has_role(actor, *OFFICER_ROLES) or not (scope.national or region_id in scope.region_ids):
        raise PermissionDenied("Seul·e un·e chargé·e d'instruction de la région organise ses jurys.")


def _ensure_jury_member_of_region(user: Any, region: Region) -> None:
    if not has_role(user, Role.JURY_MEMBER) or region.pk not in scope_of(user).region_ids:
        raise ValidationError(f"{user} n'est pas membre de jury de la région {region.name}.")


@transaction.atomic
def plan_session(
    *,
    region: Region,
    held_on: dt.date,
    place: str,
    remote: bool,
    members: Iterable[tuple[Any, str]],
    president: Any,
    actor: Actor,
) -> JurySession:
    """Plan a session with its members (user, college) and president, and put the files due on its agenda."""
    ensure_officer_of_region(actor, region.pk)
    members = list(members)
    errors = []
    if not place.strip() and not remote:
        errors.append("Indiquez le lieu de la session, ou qu'elle se tient à distance.")
    if {college for _, college in members} != set(College.values):
        errors.append("La session réunit des membres des deux collèges (employeurs et salariés).")
    users = [user for user, _ in members]
    if len({u.pk for u in users}) != len(users):
        errors.append("Un membre ne siège qu'une fois, dans un seul collège.")
    if president not in users:
        errors.append("Le·la président·e est choisi·e parmi les membres de la session.")
    for user, _ in members:
        try:
            _ensure_jury_member_of_region(user, region)
        except ValidationError as error:
            errors += error.messages
    if errors:
        raise ValidationError(errors)
    rule = rule_for(region)
    session = JurySession.objects.create(
        region=region,
        held_on=held_on,
        place=place.strip(),
        remote=remote,
        cutoff_on=working_days_before(held_on, rule.cutoff_working_days),
    )
    JuryMember.objects.bulk_create(
        JuryMember(session=session, user=user, college=college, is_president=user == president)
        for user, college in members
    )
    added = build_agenda(session, actor=actor)
    record(
        JuryEvent.PLANNED,
        actor=actor,
        subject=session,
        summary=f"Session planifiée, {len(members)} membres, {added} dossier(s) à l'ordre du jour.",
    )
    return session


@transaction.atomic
def build_agenda(session: JurySession, *, actor: Actor) -> int:
    """Add every file due by the cut-off to a planned session's agenda; returns how many were added."""
    locked = _lock_planned(session, actor)
    items = [AgendaItem(session=locked, case_file=case_file) for case_file in files_due(locked)]
    AgendaItem.objects.bulk_create(items)
    return len(items)


@transaction.atomic
def add_to_agenda(session: JurySession, case_file: CaseFile, *, actor: Actor) -> AgendaItem:
    """Put one more file of the region, ready for jury, on a planned session's agenda (even late)."""
    locked = _lock_planned(session, actor)
    file = CaseFile.objects.select_for_update().get(pk=case_file.pk)
    if file.state != CaseFileState.READY_FOR_JURY:
        raise ValidationError("Seul un dossier prêt pour le jury peut être inscrit à l'ordre du jour.")
    if file.evaluation_site.region_id != locked.region_id:
        raise ValidationError("Ce dossier relève du jury d'une autre région.")
    if pending_agenda_items().filter(case_file=file).exists():
        raise ValidationError("Ce dossier est déjà inscrit à l'ordre du jour d'une session.")
    item = AgendaItem.objects.create(session=locked, case_file=file)
    record(JuryEvent.AGENDA_CHANGED, actor=actor, subject=locked, summary=f"Dossier ajouté : {file}.")
    return item


@transaction.atomic
def remove_from_agenda(item: AgendaItem, *, actor: Actor) -> None:
    """Take a file off a planned session's agenda; it waits for a later session."""
    locked = _lock_planned(item.session, actor)
    label = str(item.case_file)
    item.delete()
    record(JuryEvent.AGENDA_CHANGED, actor=actor, subject=locked, summary=f"Dossier retiré : {label}.")


@transaction.atomic
def check_agenda_item(item: AgendaItem, *, recommended: bool, note: str, actor: Actor) -> AgendaItem:
    """The officer's check of a file before the session: whether the award is recommended, and a note."""
    check_agenda_items(item.session, [(item, recommended, note)], actor=actor)
    return item


@transaction.atomic
def check_agenda_items(
    session: JurySession, checks: Sequence[tuple[AgendaItem, bool, str]], *, actor: Actor
) -> int:
    """The officer's check of many files of a planned session at once (item, recommended, note): the rows and
    events `check_agenda_item` writes, in a few statements; nothing is saved if one check is refused."""
    locked = _lock_planned(session, actor)
    on_agenda = AgendaItem.objects.filter(session=locked, pk__in=[given.pk for given, _, _ in checks])
    items = on_agenda.select_related("case_file__candidate", "case_file__certification").in_bulk()
    checked, summaries, errors = [], [], []
    for given, recommended, note in checks:
        item = items.get(given.pk)
        if item is None:
            errors.append("Ce dossier n'est pas à l'ordre du jour de cette session.")
            continue
        try:
            note, summary = officer_check(recommended, note)
        except ValidationError as error:
            errors += [f"{item.case_file} : {m}" if len(checks) > 1 else m for m in error.messages]
            continue
        for target in (item, given):  # the caller's object reads as saved, as after `save()`
            target.recommended, target.officer_note, target.checked_by = recommended, note, actor
        checked.append(item)
        summaries.append(summary)
    if errors:
        raise ValidationError(errors)
    update_rows(AgendaItem, checked, ["recommended", "officer_note", "checked_by"])
    record_alike(
        JuryEvent.FILE_CHECKED,
        actor=actor,
        subject_type=ContentType.objects.get_for_model(CaseFile, for_concrete_model=False),
        subject_ids=[item.case_file_id for item in checked],
        labels=[str(item.case_file) for item in checked],
        summaries=summaries,
    )
    return len(checked)


def officer_check(recommended: bool, note: str) -> tuple[str, str]:
    """The rule of the officer's check and its words on the timeline: (the note, the event's summary); an
    award not recommended needs a reason."""
    note = note.strip()
    if not recommended and not note:
        raise ValidationError("Motivez l'avis lorsque l'attribution n'est pas recommandée.")
    verdict = "attribution recommandée" if recommended else "attribution non recommandée"
    return note, f"Instruction avant jury : {verdict}" + (f" ({note})" if note else ".")


def _lock_planned(session: JurySession, actor: Actor) -> JurySession:
    ensure_officer_of_region(actor, session.region_id)
    locked = JurySession.objects.select_for_update().get(pk=session.pk)
    if locked.status != JurySessionStatus.PLANNED:
        raise ValidationError("L'ordre du jour ne change plus une fois la session ouverte.")
    return locked
