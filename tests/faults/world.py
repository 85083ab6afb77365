"""Committed data for the fault tests: an accredited site and its evaluator, a large candidates file."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from accreditation.models import Department
from accreditation.services import set_user_scope
from backoffice.core.accounts.roles import Role
from casefiles.models import CandidateStatus
from fixtures.reference import load_reference_data
from tests.backoffice.imports_helpers import candidate_row, csv_bytes
from tests.factories import AccreditationFactory, SiteFactory, UserFactory, letters


def accredited_evaluator() -> tuple[Any, Any]:
    """An accredited site in Seine-Saint-Denis and a member of its organisation's staff."""
    load_reference_data()  # a transactional test starts from empty tables
    site = SiteFactory(department=Department.objects.get(code="93"))
    AccreditationFactory(site=site)
    user = UserFactory(username="evaluatrice.pannes", role=Role.EVALUATOR_STAFF)
    set_user_scope(user, organisation=site.organisation, actor=None)
    return site, user


def candidates_file(siret: str, rows: int, *, prefix: str = "PANNE") -> bytes:
    today = f"{timezone.localdate():%d/%m/%Y}"
    return csv_bytes(
        [
            candidate_row(
                siret,
                f"{prefix}-{n:06d}",
                nom=f"Nom{letters(n)}",
                email=f"c{n}@example.org",
                date_accueil=today,
            )
            for n in range(1, rows + 1)
        ]
    )


# A candidate inserted under an id held by another transaction (`harness.id_held`): never committed.
HOLDING_CANDIDATE = {
    "last_name": "Verrou",
    "first_name": "Essai",
    "birth_date": dt.date(1990, 1, 1),
    "postcode": "93200",
    "status": CandidateStatus.OTHER,
}
