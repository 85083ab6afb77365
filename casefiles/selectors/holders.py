"""The holders the training-account system (CDC) could not match: certificates issued, not revoked, whose
candidate lacks what the CDC matches on (`casefiles.rules.holders`), with what is missing and where to
correct it (the rectification form)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet
from django.urls import reverse

from casefiles.rules.holders import identity_complete_q, transmission_gaps

from ..models import Certificate, CertificateStatus

__all__ = ["MissingIdentity", "certificates_missing_identity", "holders_missing_identity", "with_gaps"]


@dataclass(frozen=True)
class MissingIdentity:
    certificate: Certificate  # with its file and candidate loaded
    gaps: list[str]  # `transmission_gaps`, in French, in the rule's order
    rectify_url: str  # the candidate's rectification form, back to the certificate's file


def holders_missing_identity(certificates: QuerySet[Certificate]) -> QuerySet[Certificate]:
    """The issued, not revoked certificates of `certificates` (the caller's scope) whose holder's identity is
    incomplete, in SQL (a page paginates it); an anonymised holder can no longer be corrected: left out."""
    return (
        certificates.filter(status=CertificateStatus.ISSUED, case_file__candidate__anonymised_on__isnull=True)
        .exclude(identity_complete_q("case_file__candidate__"))
        .select_related("case_file__candidate")
        .order_by("awarded_on", "pk")
    )


def with_gaps(certificates: Iterable[Certificate]) -> list[MissingIdentity]:
    """Each certificate (a page of `holders_missing_identity`) with what is missing and the form's URL."""
    return [
        MissingIdentity(
            certificate=certificate,
            gaps=transmission_gaps(certificate.case_file.candidate),
            rectify_url=reverse("candidats:rectify_candidate", args=[certificate.case_file.candidate_id])
            + f"?dossier={certificate.case_file_id}",
        )
        for certificate in certificates
    ]


def certificates_missing_identity(certificates: QuerySet[Certificate]) -> list[MissingIdentity]:
    """`holders_missing_identity` with each row's gaps and its rectification URL (one query)."""
    return with_gaps(holders_missing_identity(certificates))
