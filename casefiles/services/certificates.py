"""Outcomes of a closed jury session, and the certificates: numbering, issuance, duplicates, revocation
and the holders' export for the national training-account system."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone

from accreditation.scoping import scope_of
from backoffice.core.accounts.roles import Role, has_role
from backoffice.core.accounts.types import Actor, SystemActor
from backoffice.core.audit.events import record, record_alike, record_each
from backoffice.core.bulksql import update_rows
from backoffice.core.signing.models import SignedKind
from backoffice.core.signing.stored import Seal, seal_files_of
from casefiles.rules.numbering import format_number, series_tops

from ..events import CertificateEvent, JuryEvent
from ..models import (
    AgendaItem,
    CaseFile,
    CaseFileState,
    CdcStatus,
    Certificate,
    CertificateCounter,
    CertificateStatus,
    Decision,
    JurySession,
    JurySessionStatus,
)
from .credentials import issue_credentials, mark_status_changed
from .jury import return_case_files_from_jury

logger = logging.getLogger(__name__)


def _take_numbers(prefix: str, year: int, region_code: str, count: int) -> list[str]:
    """The next `count` numbers of the series, taken under the counter's row lock in one update: no gap, no
    duplicate. The caller's transaction holds the lock until it commits; if it rolls back, the numbers are
    given again."""
    CertificateCounter.objects.bulk_create(
        [CertificateCounter(prefix=prefix, year=year, region_code=region_code)], ignore_conflicts=True
    )
    counter = CertificateCounter.objects.select_for_update().get(
        prefix=prefix, year=year, region_code=region_code
    )
    first = counter.last_number + 1
    counter.last_number += count
    counter.save(update_fields=["last_number"])
    return [format_number(prefix, year, region_code, n) for n in range(first, first + count)]


def advance_counters(numbers: Iterable[str]) -> int:
    """Move each series' counter past the highest of these numbers (certificates taken over as issued), so
    that the numbers given afterwards never collide with them; a counter already further stays. One statement
    for all the series, which it locks until the caller's transaction ends; returns how many series."""
    tops = sorted(series_tops(numbers).items())  # always in one order: two takeovers never deadlock
    if not tops:
        return 0
    table = connection.ops.quote_name(CertificateCounter._meta.db_table)
    greatest = "GREATEST" if connection.vendor == "postgresql" else "MAX"
    values = ", ".join(["(%s, %s, %s, %s)"] * len(tops))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (prefix, year, region_code, last_number) VALUES {values} "  # noqa: S608 (model names)
            "ON CONFLICT (prefix, year, region_code) DO UPDATE "
            f"SET last_number = {greatest}({table}.last_number, EXCLUDED.last_number)",
            [value for (prefix, year, region), top in tops for value in (prefix, year, region, top)],
        )
    return len(tops)


@transaction.atomic
def apply_session_outcomes(session: JurySession, *, actor: Actor) -> list[Certificate]:
    """After closing: award → a numbered certificate to issue; return → to the evaluator; refuse → closed.
    Returns the certificates to issue, in the agenda's order (their PDF job is enqueued by the caller after
    commit). The whole session in a few statements: one counter update per series of numbers."""
    locked = JurySession.objects.select_for_update().select_related("region").get(pk=session.pk)
    if locked.status != JurySessionStatus.CLOSED:
        raise ValidationError("Les décisions s'appliquent une fois la session close.")
    # An adjourned file has no decision here: it stays ready for jury, for a later session.
    items = list(locked.agenda.exclude(decision="").order_by("id"))
    files = (
        CaseFile.objects.select_for_update(of=("self",))
        .select_related("candidate", "certification")
        .order_by("pk")
        .in_bulk([item.case_file_id for item in items])
    )
    by_outcome: dict[str, list[tuple[AgendaItem, CaseFile]]] = {}
    for item in items:
        case_file = files[item.case_file_id]
        # Abandoned, transferred away or lapsed while on the agenda: the decision has nothing to act on.
        outcome = item.decision if case_file.state == CaseFileState.READY_FOR_JURY else ""
        by_outcome.setdefault(outcome, []).append((item, case_file))
    _record_files(
        JuryEvent.DECIDED,
        actor,
        by_outcome.get("", []),
        lambda item, case_file: (
            f"Décision du {locked} sans effet : le dossier n'était plus prêt pour le jury."
        ),
    )
    certificates = _award(by_outcome.get(Decision.AWARD, []), locked, actor)
    _return(by_outcome.get(Decision.RETURN, []), actor)
    _refuse(by_outcome.get(Decision.REFUSE, []), locked, actor)
    return certificates


def _record_files(
    verb: str,
    actor: SystemActor,
    pairs: list[tuple[AgendaItem, CaseFile]],
    summary: Callable[[AgendaItem, CaseFile], str],
    data: Callable[[AgendaItem, CaseFile], dict[str, Any]] | None = None,
) -> None:
    """One event of `verb` per file, written together (no notification rule reads these verbs)."""
    record_alike(
        verb,
        actor=actor,
        subject_type=ContentType.objects.get_for_model(CaseFile, for_concrete_model=False),
        subject_ids=[case_file.pk for _, case_file in pairs],
        labels=[str(case_file) for _, case_file in pairs],
        summaries=[summary(item, case_file) for item, case_file in pairs],
        data_each=None if data is None else [data(item, case_file) for item, case_file in pairs],
    )


def _award(pairs: list[tuple[AgendaItem, CaseFile]], session: JurySession, actor: Actor) -> list[Certificate]:
    on = session.held_on
    series: dict[str, list[CaseFile]] = {}
    for _, case_file in pairs:
        series.setdefault(case_file.certification.number_prefix, []).append(case_file)
    numbers: dict[int, str] = {}
    for prefix, group in series.items():  # numbered in the agenda's order within each series
        taken = _take_numbers(prefix, on.year, session.region.code, len(group))
        numbers.update(zip([f.pk for f in group], taken, strict=True))
    certificates = Certificate.objects.bulk_create(
        Certificate(
            case_file=case_file,
            number=numbers[case_file.pk],
            certification=case_file.certification,
            region=session.region,
            session=session,
            holder_last_name=case_file.candidate.last_name,
            holder_first_name=case_file.candidate.first_name,
            awarded_on=on,
        )
        for _, case_file in pairs
    )
    for _, case_file in pairs:
        case_file.state, case_file.closed_on = CaseFileState.CERTIFIED, on
        case_file.closing_reason = f"Certificat {numbers[case_file.pk]} attribué par le {session}"
    update_rows(CaseFile, [f for _, f in pairs], ["state", "closed_on", "closing_reason"])
    ids = {certificate.case_file_id: certificate.pk for certificate in certificates}
    _record_files(
        CertificateEvent.AWARDED,
        actor,
        pairs,
        lambda item, f: f"Certificat attribué par le {session} : n° {numbers[f.pk]}.",
        lambda item, f: {"certificate": ids[f.pk], "number": numbers[f.pk]},
    )
    return certificates


def _return(pairs: list[tuple[AgendaItem, CaseFile]], actor: Actor) -> None:
    """The session's returns: `return_case_files_from_jury`, the rule of a return from the jury."""
    return_case_files_from_jury([(case_file, item.reason) for item, case_file in pairs], actor=actor)


def _refuse(pairs: list[tuple[AgendaItem, CaseFile]], session: JurySession, actor: Actor) -> None:
    for item, case_file in pairs:
        case_file.state, case_file.closed_on = CaseFileState.REFUSED, session.held_on
        case_file.closing_reason = item.reason
    update_rows(CaseFile, [f for _, f in pairs], ["state", "closed_on", "closing_reason"])
    _record_files(
        JuryEvent.REFUSED, actor, pairs, lambda item, f: f"Certificat refusé par le jury : {item.reason}"
    )


def issue_certificate(pk: int, *, actor: SystemActor = None) -> bool:
    """Issue the certificate and render its PDF; True if it was issued now, False if it already was (a
    redelivered job). The pathway moves on by `workflows.pathway.commands.finish_issuance`."""
    issued = bool(issue_certificates([pk], actor=actor))
    render_certificate_pdf(pk)
    return issued


@transaction.atomic
def issue_certificates(ids: Iterable[int], *, actor: SystemActor = None) -> list[Certificate]:
    """Issue the pending certificates among `ids` (status, date, the ISSUED event, the Open Badges
    credential); their PDF is rendered apart (`render_certificate_pdf`: the worker, or the first request).
    Returns those issued now: a certificate already issued is left as it is (a redelivered job)."""
    certificates = list(
        Certificate.objects.select_for_update(of=("self",))
        .filter(pk__in=list(ids), status=CertificateStatus.PENDING)
        .select_related("case_file__candidate", "case_file__certification")
        .order_by("pk")
    )
    now = timezone.now()
    Certificate.objects.filter(pk__in=[c.pk for c in certificates]).update(
        status=CertificateStatus.ISSUED, issued_at=now
    )
    for certificate in certificates:
        certificate.status, certificate.issued_at = CertificateStatus.ISSUED, now
    # Each told as `record` tells one: the organisation and the candidate learn of each certificate.
    record_each(
        CertificateEvent.ISSUED,
        actor=actor,
        subjects=[certificate.case_file for certificate in certificates],
        summaries=[f"Certificat n° {certificate.number} délivré." for certificate in certificates],
        data_each=[{"certificate": certificate.pk} for certificate in certificates],
    )
    # Their Open Badges credentials, signed with them (without a key, the catch-up job issues them later). A
    # credential that cannot be made (a key file unreadable) never holds the certificates back: the savepoint
    # is undone, the error logged, and the catch-up job issues it once the keys are right.
    try:
        with transaction.atomic():
            issue_credentials([certificate.pk for certificate in certificates])
    except Exception:
        logger.exception("Attestations numériques non émises (le rattrapage les émettra)")
    return certificates


def render_certificate_pdf(pk: int) -> bool:
    """Render and store the PDF of an issued certificate that has none; True if rendered now, False if it
    already had one or is not issued (pending, or revoked before any PDF: a clean document of a revoked
    certificate is never produced), or was issued by the old system (taken over: its original was printed
    there, a second one is never produced here — a duplicate is, `reissue_certificate`). Safe to run twice,
    from the job or a request."""
    from ..documents import render_certificate  # WeasyPrint: loaded only when a document is rendered

    with transaction.atomic():
        certificate = Certificate.objects.select_for_update().select_related("case_file").get(pk=pk)
        if certificate.status != CertificateStatus.ISSUED or certificate.pdf or certificate.legacy_batch_id:
            return False
        signed = certificate_seal(certificate).sign(render_certificate(certificate))
        certificate.pdf.save(f"{certificate.number}.pdf", ContentFile(signed), save=False)
        certificate.save(update_fields=["pdf"])
    return True


def certificate_seal(certificate: Certificate) -> Seal:
    """How a certificate's PDF (or its latest duplicate) is described where it is signed."""
    label = f"Certificat CléA n° {certificate.number}"
    if certificate.duplicates:
        label += f", duplicata n° {certificate.duplicates}"
        return Seal(SignedKind.DUPLICATE, certificate.number, label)
    return Seal(SignedKind.CERTIFICATE, certificate.number, label)


def _late_seal(certificate: Certificate) -> Seal | None:
    # A PDF stored before signing was configured is signed at its next download, unless the certificate was
    # withdrawn since: a seal dated after the withdrawal would vouch for it.
    return certificate_seal(certificate) if certificate.status == CertificateStatus.ISSUED else None


seal_files_of(Certificate, "pdf", _late_seal)


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
    """Deliver a duplicate (same number, marked as such) of an issued certificate, rendered from its data: a
    certificate taken over from the old system, which has no PDF here, gets one the same way."""
    from ..documents import render_certificate

    _ensure_certificate_manager(actor, certificate)
    locked = Certificate.objects.select_for_update().select_related("case_file").get(pk=certificate.pk)
    if locked.status != CertificateStatus.ISSUED:
        raise ValidationError("Seul un certificat délivré et non retiré peut faire l'objet d'un duplicata.")
    locked.duplicates += 1
    locked.pdf.save(
        f"{locked.number}-duplicata-{locked.duplicates}.pdf",
        ContentFile(certificate_seal(locked).sign(render_certificate(locked))),
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
    mark_status_changed([locked])  # its bit in the status list, by the worker after commit
    return locked


@transaction.atomic
def reinstate_certificate(certificate: Certificate, *, reason: str, actor: Actor) -> Certificate:
    """Undo a withdrawal made in error: the certificate is in force again (its status list says so once the
    worker has republished it). A supervisor's decision, with its reason; the withdrawal stays on the
    timeline. A holder the SI CPF had accepted, withdrawn there by hand since, is to send again."""
    _ensure_certificate_manager(actor, certificate, supervisor_only=True)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Le motif du rétablissement est obligatoire.")
    locked = Certificate.objects.select_for_update().select_related("case_file").get(pk=certificate.pk)
    if locked.status != CertificateStatus.REVOKED:
        raise ValidationError("Seul un certificat retiré peut être rétabli.")
    locked.status, locked.revoked_at, locked.revocation_reason = CertificateStatus.ISSUED, None, ""
    fields = ["status", "revoked_at", "revocation_reason"]
    if locked.cdc_removed_at is not None:
        locked.cdc_status, locked.cdc_status_at, locked.cdc_removed_at = (
            CdcStatus.TO_SEND,
            timezone.now(),
            None,
        )
        fields += ["cdc_status", "cdc_status_at", "cdc_removed_at"]
    locked.save(update_fields=fields)
    record(
        CertificateEvent.REINSTATED,
        actor=actor,
        subject=locked.case_file,
        summary=f"Certificat {locked.number} rétabli : {reason}",
    )
    mark_status_changed([locked])
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


@transaction.atomic
def send_holder_link(certificate: Certificate, *, actor: Actor) -> Certificate:
    """Send the holder, by e-mail, a new private link to their certificate's page (the earlier links stop
    working): the issuance e-mail carries the first one; this one after a change of address, or when the
    holder asks again. A case officer's, a supervisor's or an administrator's act, within their regions."""
    import secrets

    _ensure_certificate_manager(actor, certificate)
    locked = (
        Certificate.objects.select_for_update().select_related("case_file__candidate").get(pk=certificate.pk)
    )
    candidate = locked.case_file.candidate
    if locked.status != CertificateStatus.ISSUED:
        raise ValidationError("Seul un certificat délivré et non retiré a une page pour son ou sa titulaire.")
    if candidate.anonymised_on or not candidate.email:
        raise ValidationError(
            "Le ou la titulaire n'a pas d'adresse e-mail : ajoutez-la dans son identité, "
            "puis envoyez le lien."
        )
    locked.holder_link_nonce = secrets.token_hex(8)
    locked.save(update_fields=["holder_link_nonce"])
    # The notification rule e-mails the link; the event says to whom only as "the holder".
    record(
        CertificateEvent.HOLDER_LINK_SENT,
        actor=actor,
        subject=locked.case_file,
        summary=f"Nouveau lien de la page du certificat {locked.number} envoyé au ou à la titulaire.",
        data={"certificate": locked.pk},
    )
    return locked
