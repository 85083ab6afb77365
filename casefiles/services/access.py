"""Who may act on a case file, and shared checks on steps (state, dates, locking)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accreditation.models import Accreditation, AccreditationRole, Certification, Site
from accreditation.scoping import scope_of
from backoffice.accounts.roles import Role, has_role

from ..models import CaseFile, CaseFileState


def ensure_evaluator(
    person: Any, site: Site, certification: Certification, on: dt.date, *, what: str
) -> None:
    """`person` works for `site`'s organisation as evaluator staff, and the site is accredited that day."""
    if person is not None:
        is_staff = (
            has_role(person, Role.EVALUATOR_STAFF)
            and scope_of(person).organisation_id == site.organisation_id
        )
        if not is_staff:
            raise PermissionDenied(
                f"{person} ne fait pas partie de l'organisme évaluateur : {what} impossible."
            )
    accredited = Accreditation.objects.in_force(on).filter(
        site=site, certification=certification, role=AccreditationRole.EVALUATOR
    )
    if not accredited.exists():
        raise ValidationError(
            f"L'établissement {site.name} n'est pas habilité comme évaluateur pour {certification} "
            f"le {on:%d/%m/%Y}."
        )


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


def check_date(day: dt.date, *, not_before: dt.date | None, label: str, previous: str) -> None:
    """A step's date is not in the future and does not precede the previous step."""
    if day > timezone.localdate():
        raise ValidationError(f"La date {label} ({day:%d/%m/%Y}) ne peut pas être dans le futur.")
    if not_before and day < not_before:
        raise ValidationError(
            f"La date {label} ({day:%d/%m/%Y}) ne peut pas précéder {previous} ({not_before:%d/%m/%Y})."
        )


def add_years(day: dt.date, years: int) -> dt.date:
    """The same day `years` later (28 February for a 29 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)
