"""The fee schedules published in 2019, loaded with the reference data (idempotent): every rate marked « à
confirmer »; CléA Management's amounts are left for Certif'Pro to fill (its acts are « non tarifé »)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction

from accreditation.models import Certification

from .models import FeeKind, FeeRate, FeeSchedule

SINCE_2019 = dt.date(2019, 1, 1)
VAT = Decimal("20.00")
# Certification code → kind → amount HT (domain-clea.md, section 4: "Fees (2019, may have changed)").
FEES_2019: dict[str, dict[str, Decimal]] = {
    "CLEA": {FeeKind.POSITIONING: Decimal("20.00"), FeeKind.CERTIFICATE: Decimal("5.00")},
    "CLEA_NUM": {
        FeeKind.APPLICATION: Decimal("300.00"),
        FeeKind.SITE: Decimal("150.00"),
        FeeKind.CERTIFICATE: Decimal("10.00"),
    },
    "CLEA_MGT": {},
}
NOTE_2019 = "Redevances publiées en 2019, à confirmer par Certif'Pro."
NOTE_UNPRICED = "Montants à fixer par Certif'Pro : les actes de cette certification sont non tarifés."


@transaction.atomic
def load_fee_schedules() -> int:
    """Create the 2019 schedules that do not exist yet (an existing one, perhaps edited, is left as it is);
    returns how many were created."""
    created = 0
    for certification in Certification.objects.filter(code__in=FEES_2019):
        if FeeSchedule.objects.filter(certification=certification, valid_from=SINCE_2019).exists():
            continue
        rates = FEES_2019[certification.code]
        schedule = FeeSchedule.objects.create(
            certification=certification, valid_from=SINCE_2019, note=NOTE_2019 if rates else NOTE_UNPRICED
        )
        FeeRate.objects.bulk_create(
            FeeRate(schedule=schedule, kind=kind, amount_ht=amount, vat_rate=VAT, to_confirm=True)
            for kind, amount in rates.items()
        )
        created += 1
    return created
