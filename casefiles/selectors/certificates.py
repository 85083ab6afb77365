"""Read queries on certificates: scoped lists, the transmission backlog, the public verification."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accreditation.scoping import scope_of
from backoffice.core.accounts.roles import Role, has_role
from backoffice.core.sorting import sorted_by
from casefiles.models import (
    CdcStatus,
    Certificate,
    CertificateStatus,
)
from casefiles.rules.numbering import normalised_number
from casefiles.rules.transmission import late_if_awarded_before, reminded_if_awarded_before
from casefiles.selectors.juries import JURY_ROLES

# Who sees the certificate pages (each certificate still within their scope) and exports their list.
CERTIFICATE_ROLES = (
    Role.CASE_OFFICER,
    Role.SUPERVISOR,
    Role.ADMINISTRATOR,
    Role.JURY_MEMBER,
    Role.EVALUATOR_STAFF,
)


def certificates_for(user: Any) -> QuerySet[Certificate]:
    """Certificates of the user's regions (Certif'Pro staff, juries) or of their organisation's files."""
    if not (has_role(user, *JURY_ROLES) or user.has_perm("casefiles.view_casefile")):
        return Certificate.objects.none()
    queryset = Certificate.objects.select_related("certification", "region", "session", "case_file")
    return scope_of(user).filter(
        queryset, region="region_id", organisation="case_file__evaluation_site__organisation_id"
    )


def get_certificate_for(user: Any, pk: int) -> Certificate:
    """One certificate in the user's scope, else 404."""
    return get_object_or_404(certificates_for(user), pk=pk)


# The list's sortable columns: the name in `?tri=` → the field.
CERTIFICATE_COLUMNS = {
    "number": "number",
    "holder": "holder_last_name",
    "awarded_on": "awarded_on",
    "exported_at": "exported_at",
}


def filter_certificates(
    certificates: QuerySet[Certificate], query: Mapping[str, Any]
) -> QuerySet[Certificate]:
    """The certificate list's filters (status, not yet transmitted) and order (`?tri=`, newest first by
    default); its export applies the same."""
    if query.get("statut") in CertificateStatus.values:
        certificates = certificates.filter(status=query["statut"])
    if query.get("non_transmis") == "1":  # issued and not yet sent to the SI CPF
        certificates = certificates.filter(status=CertificateStatus.ISSUED, cdc_status=CdcStatus.TO_SEND)
    if query.get("cpf") in CdcStatus.values:
        certificates = certificates.filter(cdc_status=query["cpf"])
    if query.get("en_retard") == "1":  # issued, not accepted, over the 3 months
        certificates = certificates.filter(
            status=CertificateStatus.ISSUED,
            awarded_on__lt=late_if_awarded_before(timezone.localdate()),
        ).exclude(cdc_status=CdcStatus.ACCEPTED)
    return sorted_by(certificates, query, CERTIFICATE_COLUMNS, default="-awarded_on")


def transmission_backlog(
    certificates: QuerySet[Certificate], *, today: dt.date | None = None
) -> dict[str, int]:
    """Issued certificates not yet sent to the training-account system, those not accepted past the 3-month
    deadline (`late`), and those never sent 2 months after the award (`reminded`: the supervisors' alert)."""
    today = today or timezone.localdate()
    issued = Q(status=CertificateStatus.ISSUED)
    return certificates.aggregate(
        not_transmitted=Count("pk", filter=issued & Q(cdc_status=CdcStatus.TO_SEND)),
        late=Count(
            "pk",
            filter=issued
            & ~Q(cdc_status=CdcStatus.ACCEPTED)
            & Q(awarded_on__lt=late_if_awarded_before(today)),
        ),
        reminded=Count(
            "pk",
            filter=issued
            & Q(cdc_status=CdcStatus.TO_SEND)
            & Q(awarded_on__lt=reminded_if_awarded_before(today)),
        ),
    )


def issued_between(user: Any, start: dt.date, end: dt.date) -> QuerySet[Certificate]:
    """Issued certificates of the user's scope awarded in the period, with their holder's file, in order."""
    return (
        certificates_for(user)
        .filter(status=CertificateStatus.ISSUED, awarded_on__range=(start, end))
        .select_related("case_file__candidate", "case_file__evaluation_site")
        .order_by("awarded_on", "number")
    )


def verify(raw: str) -> tuple[str, Certificate | None]:
    """('valid' | 'revoked' | 'unknown', certificate) for a number as typed; a malformed number is refused."""
    number = normalised_number(raw)
    certificate = Certificate.objects.select_related("certification").filter(number=number).first()
    if certificate is None or certificate.status == CertificateStatus.PENDING:
        return "unknown", None
    return ("revoked" if certificate.status == CertificateStatus.REVOKED else "valid"), certificate
