"""The Open Badges 3.0 credential of each certificate and the revocation status lists (docs/certificates.md).

A credential is issued once per issued certificate, by the job that issues it (`workflows.pathway.commands.
issue_certificates`) or by the catch-up job for the others (taken over from the old system, issued while no
key was configured): signed with the current key, given an entry of its certification's status list that is
never given again, kept as signed. A revocation or a reinstatement marks the certificate's list stale; the
worker republishes it (and a request for a list never published publishes it)."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence

from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from accreditation.models import Certification, Domain, FrameworkVersion
from backoffice.core.audit.events import record_each
from backoffice.core.legacy.models import BatchStatus
from backoffice.core.worker import send_on_commit
from casefiles.events import CertificateEvent
from casefiles.models import STATUS_LIST_SIZE, Certificate, CertificateStatus, Credential, StatusList

from ..credentials import keys, openbadges, statuslist

logger = logging.getLogger(__name__)
CATCH_UP_BATCH = 1000


def status_list_url(status_list: StatusList) -> str:
    path = reverse(
        "status_list",
        kwargs={"code": status_list.certification.code.lower(), "number": status_list.number},
    )
    return openbadges.base_url() + path


# Issuing


def issue_credentials(ids: Iterable[int]) -> list[Credential]:
    """The credentials of the issued certificates among `ids` that have none, signed now; [] without a key.
    Safe to run twice (the certificates are locked; one credential per certificate)."""
    if keys.signing_key() is None:
        return []
    with transaction.atomic():
        certificates = list(
            Certificate.objects.select_for_update(of=("self",))
            .filter(pk__in=list(ids), status=CertificateStatus.ISSUED, credential__isnull=True)
            .exclude(legacy_batch__status=BatchStatus.OPEN)
            .select_related(
                "certification",
                "case_file__candidate",
                "case_file__certification",
                "case_file__framework_version",
            )
            .order_by("pk")
        )
        # Another issuance may have committed while these rows were locked: its credentials are visible now.
        done = set(
            Credential.objects.filter(certificate__in=certificates).values_list("certificate_id", flat=True)
        )
        certificates = [c for c in certificates if c.pk not in done]
        if not certificates:
            return []
        by_certification: dict[int, list[Certificate]] = defaultdict(list)
        for certificate in certificates:
            by_certification[certificate.certification_id].append(certificate)
        domains = _domains({c.case_file.framework_version_id for c in certificates})
        credentials = []
        for certification_id, group in sorted(by_certification.items()):
            entries = allocate_entries(certification_id, len(group))
            for certificate, (status_list, index) in zip(group, entries, strict=True):
                credentials.append(_credential(certificate, status_list, index, domains))
        Credential.objects.bulk_create(credentials)
        record_each(
            CertificateEvent.CREDENTIAL_ISSUED,
            actor=None,
            subjects=[credential.certificate.case_file for credential in credentials],
            summaries=[
                f"Attestation numérique du certificat {credential.certificate.number} émise "
                "(Open Badges 3.0)."
                for credential in credentials
            ],
            data_each=[{"certificate": credential.certificate_id} for credential in credentials],
        )
    return credentials


def _domains(framework_ids: set[int]) -> dict[int, tuple[FrameworkVersion, list[str]]]:
    versions = FrameworkVersion.objects.in_bulk(framework_ids)
    labels: dict[int, list[str]] = defaultdict(list)
    for domain in Domain.objects.filter(framework_version_id__in=framework_ids).order_by(
        "framework_version_id", "position", "code"
    ):
        labels[domain.framework_version_id].append(f"{domain.code} {domain.label}")
    return {pk: (version, labels[pk]) for pk, version in versions.items()}


def allocate_entries(certification_id: int, count: int) -> list[tuple[StatusList, int]]:
    """`count` entries of the certification's current list, never given before (the certification is
    locked: one allocation at a time); a full list is followed by a new one."""
    # FOR NO KEY UPDATE: the files and certificates that point to the certification are still inserted.
    Certification.objects.select_for_update(no_key=True).get(pk=certification_id)
    current = StatusList.objects.filter(certification_id=certification_id).order_by("-number").first()
    entries: list[tuple[StatusList, int]] = []
    while len(entries) < count:
        if current is None or current.allocated >= current.size:
            current = StatusList.objects.create(
                certification_id=certification_id,
                number=current.number + 1 if current else 1,
                multiplier=2 * secrets.randbelow(STATUS_LIST_SIZE // 2) + 1,
                offset=secrets.randbelow(STATUS_LIST_SIZE),
            )
        taken = min(count - len(entries), current.size - current.allocated)
        entries += [(current, current.index_of(current.allocated + i)) for i in range(taken)]
        current.allocated += taken
        current.save(update_fields=["allocated"])
    return entries


def _credential(
    certificate: Certificate,
    status_list: StatusList,
    index: int,
    domains: dict[int, tuple[FrameworkVersion, list[str]]],
) -> Credential:
    from ..documents import verification_url

    case_file, certification = certificate.case_file, certificate.certification
    candidate = case_file.candidate
    version, labels = domains[case_file.framework_version_id]
    credential_id = uuid.uuid4()
    status_list.certification = certification  # for the URL, without a query
    payload = openbadges.open_badge_credential(
        credential_id=f"urn:uuid:{credential_id}",
        issuer_did=keys.issuer_did(),
        awarded_on=certificate.awarded_on,
        achievement=openbadges.achievement(
            code=certification.code,
            name=certification.name,
            rs_code=certification.rs_code,
            framework=version.version,
            framework_label=version.label,
            domains=labels,
        ),
        identifier=openbadges.subject_identifier(
            email="" if candidate.anonymised_on else candidate.email,
            first_name=certificate.holder_first_name,
            last_name=certificate.holder_last_name,
        ),
        status=statuslist.status_entry(list_url=status_list_url(status_list), index=index),
        number=certificate.number,
        verification_url=verification_url(certificate.number),
    )
    token, key = keys.sign(openbadges.jwt_claims(payload, issued_at=timezone.now()), typ="vc+jwt")
    return Credential(
        certificate=certificate,
        uuid=credential_id,
        status_list=status_list,
        status_index=index,
        jwt=token,
        key_id=key.kid,
    )


def issuable(certificates: QuerySet[Certificate]) -> QuerySet[Certificate]:
    """Leaves out the certificates of a migration batch still under review: undoing the batch removes them,
    which a credential (kept, never deleted) would prevent. Once the batch is live, they are issued."""
    return certificates.exclude(legacy_batch__status=BatchStatus.OPEN)


def issue_missing_credentials(limit: int = CATCH_UP_BATCH) -> int:
    """The catch-up: credentials of issued certificates that have none (taken over, or issued while no key
    was configured), oldest first, `limit` at a time."""
    if keys.signing_key() is None:
        return 0
    ids = list(
        issuable(Certificate.objects.filter(status=CertificateStatus.ISSUED, credential__isnull=True))
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    return len(issue_credentials(ids))


# Status lists


def mark_status_changed(certificates: Sequence[Certificate]) -> int:
    """A certificate was revoked or reinstated: its list is to publish again, by the worker after commit."""
    from casefiles.tasks import publish_status_lists

    stale = StatusList.objects.filter(credentials__certificate__in=list(certificates)).update(stale=True)
    if stale:
        send_on_commit(publish_status_lists.send)
    return stale


def publish_status_list(pk: int, *, now: dt.datetime | None = None) -> bool:
    """Sign the list anew from the certificates' statuses if it is stale; True if published now."""
    if keys.signing_key() is None:
        return False
    with transaction.atomic():
        status_list = StatusList.objects.select_for_update().select_related("certification").get(pk=pk)
        if not status_list.stale and status_list.jwt:
            return False
        revoked = Credential.objects.filter(
            status_list=status_list, certificate__status=CertificateStatus.REVOKED
        ).values_list("status_index", flat=True)
        at = now or timezone.now()
        payload = statuslist.status_list_credential(
            url=status_list_url(status_list),
            issuer=keys.issuer_did(),
            encoded=statuslist.encode(status_list.size, revoked),
            at=at,
        )
        status_list.jwt, _ = keys.sign(payload, typ="vc+jwt")
        status_list.published_at, status_list.stale = at, False
        status_list.save(update_fields=["jwt", "published_at", "stale"])
    return True


def publish_stale_status_lists() -> int:
    return sum(
        publish_status_list(pk)
        for pk in StatusList.objects.filter(stale=True).order_by("pk").values_list("pk", flat=True)
    )


def current_status_list(status_list: StatusList) -> StatusList:
    """The list as published, published first if it is stale (a verifier never reads an old status)."""
    if status_list.stale or not status_list.jwt:
        publish_status_list(status_list.pk)
        status_list.refresh_from_db()
    return status_list
