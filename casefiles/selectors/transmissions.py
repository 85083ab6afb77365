"""Read queries on the holders' way to the training-account system (SI CPF): what each region and
certification has to send, waiting, accepted, rejected and late; the transmissions; the removals to do."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Min, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accreditation.scoping import scope_of
from backoffice.core.accounts.roles import Role, has_role
from casefiles.models import CdcStatus, Certificate, CertificateStatus, Transmission
from casefiles.rules.holders import identity_complete_q
from casefiles.rules.transmission import late_if_awarded_before

__all__ = [
    "TransmissionLine",
    "get_transmission_for",
    "removals_due",
    "transmission_overview",
    "transmission_totals",
    "transmissions_for",
]


@dataclass
class TransmissionLine:
    """One region and certification (or the total): holders by where they stand with the SI CPF."""

    region: str
    certification: str
    to_send: int = 0
    incomplete: int = 0  # to send, but the identity is incomplete: cannot be sent yet
    sent: int = 0
    accepted: int = 0
    rejected: int = 0
    late: int = 0
    oldest: dt.date | None = None  # the oldest award not yet accepted
    reasons: dict[str, int] = field(default_factory=dict)  # rejections by the CDC's message


def _counts(today: dt.date) -> dict[str, Any]:
    issued = Q(status=CertificateStatus.ISSUED)
    waiting = issued & ~Q(cdc_status=CdcStatus.ACCEPTED)
    complete = identity_complete_q("case_file__candidate__")
    return {
        "to_send": Count("pk", filter=issued & Q(cdc_status=CdcStatus.TO_SEND)),
        "incomplete": Count("pk", filter=issued & Q(cdc_status=CdcStatus.TO_SEND) & ~complete),
        "sent": Count("pk", filter=issued & Q(cdc_status=CdcStatus.SENT)),
        "accepted": Count("pk", filter=Q(cdc_status=CdcStatus.ACCEPTED)),
        "rejected": Count("pk", filter=issued & Q(cdc_status=CdcStatus.REJECTED)),
        "late": Count("pk", filter=waiting & Q(awarded_on__lt=late_if_awarded_before(today))),
        "oldest": Min("awarded_on", filter=waiting),
    }


def transmission_overview(
    certificates: QuerySet[Certificate], *, today: dt.date | None = None
) -> list[TransmissionLine]:
    """Per region and certification of `certificates` (a scoped queryset), in two queries whatever the
    number of certificates; lines without any issued certificate are left out."""
    today = today or timezone.localdate()
    rows = (
        certificates.order_by()
        .values("region__name", "certification__name")
        .annotate(**_counts(today))
        .order_by("region__name", "certification__name")
    )
    counted = list(_counts(today))
    lines: dict[tuple[str, str], TransmissionLine] = {}
    for row in rows:
        values: dict[str, Any] = dict(row)
        lines[(values["region__name"], values["certification__name"])] = TransmissionLine(
            region=values["region__name"],
            certification=values["certification__name"],
            **{key: values[key] for key in counted},
        )
    reasons = (
        certificates.order_by()
        .filter(status=CertificateStatus.ISSUED, cdc_status=CdcStatus.REJECTED)
        .values("region__name", "certification__name", "cdc_message")
        .annotate(n=Count("pk"))
    )
    for row in reasons:
        line = lines.get((row["region__name"], row["certification__name"]))
        if line is not None:
            line.reasons[row["cdc_message"] or "sans message"] = row["n"]
    return [line for line in lines.values() if line.to_send + line.sent + line.accepted + line.rejected]


def transmission_totals(lines: Iterable[TransmissionLine]) -> TransmissionLine:
    total = TransmissionLine(region="Total", certification="")
    for line in lines:
        for key in ("to_send", "incomplete", "sent", "accepted", "rejected", "late"):
            setattr(total, key, getattr(total, key) + getattr(line, key))
        if line.oldest and (total.oldest is None or line.oldest < total.oldest):
            total.oldest = line.oldest
        for reason, n in line.reasons.items():
            total.reasons[reason] = total.reasons.get(reason, 0) + n
    return total


def removals_due(certificates: QuerySet[Certificate]) -> QuerySet[Certificate]:
    """Revoked certificates the CDC had accepted, not yet withdrawn there (a manual step)."""
    return certificates.filter(
        status=CertificateStatus.REVOKED, cdc_status=CdcStatus.ACCEPTED, cdc_removed_at__isnull=True
    ).order_by("revoked_at")


def transmissions_for(user: Any) -> QuerySet[Transmission]:
    """The transmissions are national: supervisors and administrators of national scope see them."""
    if not (has_role(user, Role.SUPERVISOR, Role.ADMINISTRATOR) and scope_of(user).national):
        return Transmission.objects.none()
    return Transmission.objects.select_related("created_by", "deposited_by")


def get_transmission_for(user: Any, pk: int) -> Transmission:
    return get_object_or_404(transmissions_for(user), pk=pk)
