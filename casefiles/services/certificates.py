"""Outcomes of a closed jury session, and the certificates: numbering, issuance, duplicates, revocation
and the holders' export for the national training-account system."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from accreditation.scoping import scope_of
from backoffice.core.accounts.roles import Role, has_role
from backoffice.core.accounts.types import Actor, SystemActor
from backoffice.core.audit.events import record
from casefiles.rules.numbering import format_number

from ..events import CertificateEvent, JuryEvent
from ..models import (
    AgendaItem,
    CaseFile,
    CaseFileState,
    Certificate,
    CertificateCounter,
    CertificateStatus,
    Decision,
    JurySession,
    JurySessionStatus,
)
from .access import lock_in_state
from .jury import return_case_file_from_jury


def _next_number(prefix: str, year: int, region_code: str) -> str:
    """The next number of the series, taken under the counter's row lock: no gap, no duplicate. The caller's
    transaction holds the lock until it commits; if it rolls back, the number is given again."""
    CertificateCounter.objects.bulk_create(
        [CertificateCounter(prefix=prefix, year=year, region_code=region_code)], ignore_conflicts=True
    )
    counter = CertificateCounter.objects.select_for_update().get(
        prefix=prefix, year=year, region_code=region_code
    )
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return format_number(prefix, year, region_code, counter.last_number)


@transaction.atomic
def apply_session_outcomes(session: JurySession, *, actor: Actor) -> list[Certificate]:
    """After closing: award → a numbered certificate to issue; return → to the evaluator; refuse → closed.
    Returns the certificates to issue (their PDF job is enqueued by the caller after commit)."""
    locked = JurySession.objects.select_for_update().select_related("region").get(pk=session.pk)
    if locked.status != JurySessionStatus.CLOSED:
        raise ValidationError("Les décisions s'appliquent une fois la session close.")
    certificates = []
    # An adjourned file has no decision here: it stays ready for jury, for a later session.
    decided = locked.agenda.exclude(decision="")
    for item in decided.select_related("case_file__candidate", "case_file__certification"):
        if CaseFile.objects.get(pk=item.case_file_id).state != CaseFileState.READY_FOR_JURY:
            # Abandoned, transferred away or lapsed while on the agenda: the decision has nothing to act on.
            record(
                JuryEvent.DECIDED,
                actor=actor,
                subject=item.case_file,
                summary=f"Décision du {locked} sans effet : le dossier n'était plus prêt pour le jury.",
            )
            continue
        if item.decision == Decision.AWARD:
            certificates.append(_award(item, locked, actor))
        elif item.decision == Decision.RETURN:
            return_case_file_from_jury(item.case_file, reason=item.reason, actor=actor)
        else:
            _refuse(item, locked, actor)
    return certificates


def _award(item: AgendaItem, session: JurySession, actor: Actor) -> Certificate:
    case_file = lock_in_state(item.case_file, CaseFileState.READY_FOR_JURY)
    on = session.held_on
    number = _next_number(case_file.certification.number_prefix, on.year, session.region.code)
    certificate = Certificate.objects.create(
        case_file=case_file,
        number=number,
        certification=case_file.certification,
        region=session.region,
        session=session,
        holder_last_name=case_file.candidate.last_name,
        holder_first_name=case_file.candidate.first_name,
        awarded_on=on,
    )
    case_file.state, case_file.closed_on = CaseFileState.CERTIFIED, on
    case_file.closing_reason = f"Certificat {number} attribué par le {session}"
    case_file.save(update_fields=["state", "closed_on", "closing_reason"])
    record(
        CertificateEvent.AWARDED,
        actor=actor,
        subject=case_file,
        summary=f"Certificat attribué par le {session} : n° {number}.",
        data={"certificate": certificate.pk, "number": number},
    )
    return certificate


def _refuse(item: AgendaItem, session: JurySession, actor: Actor) -> None:
    case_file = lock_in_state(item.case_file, CaseFileState.READY_FOR_JURY)
    case_file.state, case_file.closed_on = CaseFileState.REFUSED, session.held_on
    case_file.closing_reason = item.reason
    case_file.save(update_fields=["state", "closed_on", "closing_reason"])
    record(
        JuryEvent.REFUSED,
        actor=actor,
        subject=case_file,
        summary=f"Certificat refusé par le jury : {item.reason}",
    )


def issue_certificate(pk: int, *, actor: SystemActor = None) -> bool:
    """Render and store the certificate's PDF once; True if it was issued now, False if it already was
    (a redelivered job)."""
    from ..documents import render_certificate  # WeasyPrint: loaded only in the job

    with transaction.atomic():
        certificate = Certificate.objects.select_for_update().select_related("case_file").get(pk=pk)
        if certificate.status != CertificateStatus.PENDING:
            return False
        certificate.pdf.save(
            f"{certificate.number}.pdf", ContentFile(render_certificate(certificate)), save=False
        )
        certificate.status, certificate.issued_at = CertificateStatus.ISSUED, timezone.now()
        certificate.save(update_fields=["pdf", "status", "issued_at"])
        record(
            CertificateEvent.ISSUED,
            actor=actor,
            subject=certificate.case_file,
            summary=f"Certificat n° {certificate.number} délivré (PDF).",
            data={"certificate": certificate.pk},
        )
    return True


def _ensure_certificate_manager(
    actor: Actor, certificate: Certificate, *, supervisor_only: bool = False
) -> None:
    roles = (
        (Role.SUPERVISOR, Role.ADMINISTRATOR)
        if supervisor_only
        else (Role.CASE_OFFICER, Role.SUPERVISOR, Role.ADMINISTRATOR)
    )
    scope = scope_of(actor)
    if not has_role(actor, *roles) or not (scope.national or certificate.region_id in scope.region_ids):
        raise PermissionDenied("Vous ne pouvez pas modifier ce certificat.")


@transaction.atomic
def reissue_certificate(certificate: Certificate, *, actor: Actor) -> Certificate:
    """Deliver a duplicate (same number, marked as such) of an issued certificate."""
    from ..documents import render_certificate

    _ensure_certificate_manager(actor, certificate)
    locked = Certificate.objects.select_for_update().select_related("case_file").get(pk=certificate.pk)
    if locked.status != CertificateStatus.ISSUED:
        raise ValidationError("Seul un certificat délivré et non retiré peut faire l'objet d'un duplicata.")
    locked.duplicates += 1
    locked.pdf.save(
        f"{locked.number}-duplicata-{locked.duplicates}.pdf",
        ContentFile(render_certificate(locked)),
        save=False,
    )
    locked.save(update_fields=["duplicates", "pdf"])
    record(
        CertificateEvent.REISSUED,
        actor=actor,
        subject=locked.case_file,
        summary=f"Duplicata n° {locked.duplicates} du certificat {locked.number}.",
    )
    return locked


@transaction.atomic
def revoke_certificate(certificate: Certificate, *, reason: str, actor: Actor) -> Certificate:
    """Withdraw a certificate (fraud, error); the verification page then says so. A supervisor's decision."""
    _ensure_certificate_manager(actor, certificate, supervisor_only=True)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Le motif du retrait est obligatoire.")
    locked = Certificate.objects.select_for_update().select_related("case_file").get(pk=certificate.pk)
    if locked.status == CertificateStatus.REVOKED:
        raise ValidationError("Ce certificat est déjà retiré.")
    if locked.status == CertificateStatus.PENDING:
        raise ValidationError(
            "Ce certificat est en cours d'édition : il pourra être retiré une fois délivré."
        )
    locked.status, locked.revoked_at, locked.revocation_reason = (
        CertificateStatus.REVOKED,
        timezone.now(),
        reason,
    )
    locked.save(update_fields=["status", "revoked_at", "revocation_reason"])
    record(
        CertificateEvent.REVOKED,
        actor=actor,
        subject=locked.case_file,
        summary=f"Certificat {locked.number} retiré : {reason}",
    )
    return locked


@transaction.atomic
def mark_exported(certificates: list[Certificate], *, period: tuple[dt.date, dt.date], actor: Actor) -> int:
    """Record that these holders were sent to the national training-account system."""
    now = timezone.now()
    count = Certificate.objects.filter(pk__in=[c.pk for c in certificates], exported_at__isnull=True).update(
        exported_at=now
    )
    if certificates:
        record(
            CertificateEvent.EXPORTED,
            actor=actor,
            subject=certificates[0].certification,
            summary=f"Export des titulaires du {period[0]:%d/%m/%Y} au {period[1]:%d/%m/%Y} : "
            f"{len(certificates)} certificat(s), {count} nouveau(x).",
        )
    return count
