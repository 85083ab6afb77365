"""Who may act on a case file, and shared checks on steps (state, locking)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError

from accreditation.models import AccreditationRole, Certification, Site
from accreditation.scoping import scope_of
from accreditation.selectors import accredited_on
from backoffice.core.accounts.roles import Role, has_role
from backoffice.core.accounts.types import Actor

from ..models import CaseFile, CaseFileState


def ensure_evaluator(
    person: Any, site: Site, certification: Certification, on: dt.date, *, what: str
) -> None:
    """`person` works for `site`'s organisation as evaluator staff, and the site was accredited on `on`, the
    act's own date (as the accreditation stood that day: a later suspension or expiry does not undo it)."""
    if person is not None:
        is_staff = (
            has_role(person, Role.EVALUATOR_STAFF)
            and scope_of(person).organisation_id == site.organisation_id
        )
        if not is_staff:
            raise PermissionDenied(
                f"{person} ne fait pas partie de l'organisme évaluateur : {what} impossible."
            )
    if not accredited_on(site, certification, AccreditationRole.EVALUATOR, on):
        raise ValidationError(
            f"L'établissement {site.name} n'est pas habilité comme évaluateur pour {certification} "
            f"le {on:%d/%m/%Y}."
        )


# Certif'Pro staff who may enter an organisation's acts for it (an import on its behalf), in their regions.
STAFF_ENTERING = (Role.CASE_OFFICER, Role.SUPERVISOR, Role.ADMINISTRATOR)


def ensure_may_enter(
    actor: Actor, site: Site, certification: Certification, on: dt.date, *, what: str
) -> str:
    """The organisation's own evaluator staff enter its acts; Certif'Pro staff whose scope covers the site may
    enter them on its behalf. Returns the organisation's name when entered on its behalf, else ""."""
    scope = scope_of(actor)
    on_behalf = (
        actor is not None
        and scope.organisation_id != site.organisation_id
        and any(has_role(actor, role) for role in STAFF_ENTERING)
        and (scope.national or site.region_id in scope.region_ids)
    )
    if not on_behalf:
        ensure_evaluator(actor, site, certification, on, what=what)
        return ""
    ensure_evaluator(None, site, certification, on, what=what)
    return site.organisation.legal_name


def lock_in_state(case_file: CaseFile, *states: CaseFileState) -> CaseFile:
    """Lock the file's row and check its step: of two people completing one step, the second is told."""
    locked = (
        CaseFile.objects.select_for_update()
        .select_related("framework_version", "evaluation_site")
        .get(pk=case_file.pk)
    )
    if locked.state not in states:
        raise ValidationError(
            f"Cette étape n'est plus possible : le dossier est « {locked.get_state_display().lower()} » "
            "(quelqu'un l'a peut-être déjà enregistrée)."
        )
    return locked
