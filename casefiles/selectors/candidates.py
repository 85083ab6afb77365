"""Read queries on candidates: identity look-ups, scoped lists, personal data due for anonymisation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Max, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from backoffice.core.accounts.roles import Role
from casefiles.models import (
    OPEN_STATES,
    Candidate,
    CaseFile,
)
from casefiles.rules.privacy import retention_years, years_before
from casefiles.selectors.files import case_files_for

# Personal data (casefiles/personal_data.py): who corrects a candidate's identity, who exports all of it.
RECTIFYING_ROLES = (Role.EVALUATOR_STAFF, Role.CASE_OFFICER, Role.SUPERVISOR, Role.ADMINISTRATOR)
EXPORTING_ROLES = (Role.CASE_OFFICER, Role.SUPERVISOR, Role.ADMINISTRATOR)


def person_with_identity(key: str, *, exclude: int | None = None, lock: bool = False) -> Candidate | None:
    """The person recorded under this identity key (the oldest record if history left two)."""
    people = Candidate.objects.filter(identity_key=key).order_by("pk")
    if exclude is not None:
        people = people.exclude(pk=exclude)
    if lock:
        people = people.select_for_update()
    return people.first()


def people_with_identities(keys: Iterable[str]) -> dict[str, tuple[int, str]]:
    """The people recorded under these keys, by key: (id, display name); one index lookup each."""
    found: dict[str, tuple[int, str]] = {}
    for pk, key, last, first in (
        Candidate.objects.filter(identity_key__in=sorted(set(keys)))
        .order_by("-pk")  # the oldest record wins when history left two
        .values_list("pk", "identity_key", "last_name", "first_name")
    ):
        found[key] = (pk, Candidate.display_name(last, first))
    return found


def candidates_for(user: Any) -> QuerySet[Candidate]:
    """Candidates with at least one file the user may see."""
    return Candidate.objects.filter(pk__in=case_files_for(user).values("candidate_id"))


def get_candidate_for(user: Any, pk: int) -> Candidate:
    """One candidate with a file in the user's scope, else 404."""
    return get_object_or_404(candidates_for(user), pk=pk)


def candidates_due(*, today: dt.date | None = None, years: int | None = None) -> QuerySet[Candidate]:
    """Candidates not yet anonymised whose files are all closed, the last one before the cut-off (a file
    closed without a date keeps the candidate: nobody can tell when the period ends)."""
    cutoff = years_before(today or timezone.localdate(), retention_years() if years is None else years)
    unfinished = Q(case_files__state__in=OPEN_STATES) | Q(case_files__closed_on__isnull=True)
    return (
        Candidate.objects.filter(anonymised_on__isnull=True)
        .annotate(last_closed=Max("case_files__closed_on"), unfinished=Count("case_files", filter=unfinished))
        .filter(unfinished=0, last_closed__lt=cutoff)
        .order_by("pk")
    )


def files_outside_scope(user: Any, candidate: Candidate) -> bool:
    """Whether the candidate has files the user may not see (an export would then be partial)."""
    visible = case_files_for(user).filter(candidate=candidate).values("pk")
    return CaseFile.objects.filter(candidate=candidate).exclude(pk__in=visible).exists()
