"""Holders sent to the training-account system (SI CPF, Caisse des Dépôts): the transmission's life.

    request_transmission  a supervisor asks (or the monthly job): one transmission at a time is built
    build_transmission    the worker: claims the certificates due, streams the XML, validates it against the
                          schema; a file that fails is never offered and the certificates stay due
    mark_deposited        the person uploaded the file on the CDC's portal
    apply_receipt         the CDC's processing receipt: each holder accepted or rejected, on the timeline
    requeue_corrected     a rejected holder whose identity changed goes back to "to send" (and only then)
    mark_removed_from_cdc a revoked certificate the CDC had accepted, withdrawn there by hand

A certificate is due when it is issued (not revoked), not yet accepted nor waiting for a receipt, and its
holder's identity is complete (`casefiles.rules.holders`). Its `idTechnique` is its number: stable, unique."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import logging
import secrets
import tempfile
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from accreditation.scoping import scope_of
from backoffice.core.accounts.roles import Role, has_role
from backoffice.core.accounts.types import Actor, SystemActor
from backoffice.core.audit.events import record, record_alike, record_each
from backoffice.core.places.rules import country_label
from casefiles.cdc import receipts as cdc_receipts
from casefiles.cdc import writer as cdc
from casefiles.cdc.validation import validate_flux
from casefiles.rules.holders import identity_complete_q
from casefiles.rules.identity import normalised_name

from ..events import CertificateEvent, TransmissionEvent
from ..models import (
    Candidate,
    CaseFile,
    CdcStatus,
    Certificate,
    CertificateStatus,
    Passage,
    PassageOutcome,
    Transmission,
    TransmissionStatus,
)

logger = logging.getLogger(__name__)

PROGRESS_EVERY = 1000  # passages between two progress updates of a transmission being built
CLAIM_CHUNK = 5000


# Who may: the transmission is national (one file for every region), like the takeover.


def may_transmit(user: Any) -> bool:
    return has_role(user, Role.SUPERVISOR, Role.ADMINISTRATOR) and scope_of(user).national


def ensure_may_transmit(actor: SystemActor) -> None:
    """The monthly job (actor None) may; a person must be a supervisor or administrator of national scope."""
    if actor is not None and not may_transmit(actor):
        raise PermissionDenied(
            "Seul·e un·e superviseur·e de périmètre national transmet les titulaires au SI CPF."
        )


# What is due.


def due_certificates() -> QuerySet[Certificate]:
    """Issued certificates to send: never accepted nor waiting for a receipt, identity complete."""
    return Certificate.objects.filter(
        identity_complete_q("case_file__candidate__"),
        status=CertificateStatus.ISSUED,
        cdc_status=CdcStatus.TO_SEND,
    ).exclude(certification__rs_code="")


def certifications_without_code() -> list[str]:
    """Certifications with holders to send but no RS code (the file must name it): set it in the reference
    data; their holders wait."""
    return sorted(
        Certificate.objects.filter(
            status=CertificateStatus.ISSUED, cdc_status=CdcStatus.TO_SEND, certification__rs_code=""
        )
        .order_by()
        .values_list("certification__name", flat=True)
        .distinct()
    )


IDENTITY_SENT = (
    "birth_name",
    "last_name",
    "first_name",
    "first_name_2",
    "first_name_3",
    "sex",
    "birth_date",
    "birth_commune_code",
    "birth_country_code",
)


def identity_print(candidate: Candidate) -> str:
    """What the CDC matches a holder on, as sent: a rejected holder is sent again once this changed."""
    fields = (str(getattr(candidate, name)) for name in IDENTITY_SENT)
    return hashlib.sha256("\x1f".join(fields).encode()).hexdigest()


# Asking for a transmission.


def request_transmission(*, actor: SystemActor) -> Transmission:
    """Start building a transmission of every certificate due (in the worker, once this commits). Refused
    when nothing is due, or while another one is being built (two people at once: one wins)."""
    ensure_may_transmit(actor)
    with transaction.atomic():
        building = Transmission.objects.filter(status=TransmissionStatus.BUILDING).first()
        if building is not None:
            raise ValidationError(_already_building(building))
        requeue_corrected(actor=actor)
        if not due_certificates().exists():
            raise ValidationError(
                "Aucun titulaire à transmettre : tous les certificats délivrés sont acceptés, en attente "
                "d'un accusé, ou leur identité est incomplète."
            )
        now = timezone.now()
        try:
            with transaction.atomic():
                transmission = Transmission.objects.create(
                    id_flux=f"CLEA-{now:%Y%m%d-%H%M%S}-{secrets.token_hex(3).upper()}",
                    schema_version=settings.CDC_SCHEMA_VERSION,
                    created_by=actor if getattr(actor, "is_authenticated", False) else None,
                    created_at=now,
                )
        except IntegrityError:  # the other request committed first
            building = Transmission.objects.filter(status=TransmissionStatus.BUILDING).first()
            raise ValidationError(_already_building(building)) from None
        record(
            TransmissionEvent.REQUESTED,
            actor=actor,
            subject=transmission,
            summary="Transmission des titulaires au SI CPF demandée.",
        )
        transaction.on_commit(lambda: _enqueue_build(transmission.pk))
    return transmission


def _already_building(building: Transmission | None) -> str:
    name = f" ({building.id_flux})" if building is not None else ""
    return f"Une transmission est déjà en préparation{name} : attendez qu'elle soit prête, puis recommencez."


def _enqueue_build(pk: int) -> None:
    from casefiles.tasks import build_transmission_file

    build_transmission_file.send(pk)


# Building it (the worker).


def build_transmission(pk: int, *, progress: Callable[[int], None] | None = None) -> str:
    """Build the file of a transmission being built; safe to run twice (a redelivered message finds it
    built, or builds it again from the same claimed passages). A holder the CDC's format refuses (a name
    over 60 characters…) is left out and named, the others go; a certificate revoked meanwhile is left out
    and the file written again."""
    transmission = Transmission.objects.filter(pk=pk, status=TransmissionStatus.BUILDING).first()
    if transmission is None:
        return "déjà traitée"
    if not transmission.passage_rows.exists():
        _claim(transmission)
    left_out: list[str] = []
    for _ in range(MAX_WRITES):
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"{transmission.id_flux}.xml"
            count = transmission.passage_rows.count()
            if not Transmission.objects.filter(pk=pk, status=TransmissionStatus.BUILDING).update(
                passages=count, written=0
            ):
                return "déjà traitée"  # abandoned meanwhile
            if count == 0:
                return _fail(
                    transmission, [*left_out, "Aucun titulaire à transmettre au moment de la préparation."]
                )
            writing = _Writing(transmission)
            try:
                written = _write(transmission, path, writing, progress)
            except cdc.FluxError as error:  # the header, or no holder left: nothing offered
                return _fail(transmission, [*left_out, *writing.left_out, str(error)])
            left_out += writing.left_out
            problems = validate_flux(path, version=transmission.schema_version)
            if problems:
                return _fail(transmission, problems)
            with transaction.atomic():
                locked = Transmission.objects.select_for_update().get(pk=pk)
                if locked.status != TransmissionStatus.BUILDING:
                    return "déjà traitée"
                Passage.objects.filter(pk__in=writing.skipped).delete()  # they stay to send
                for passage_pk, identity in writing.changed.items():  # the identity as written
                    Passage.objects.filter(pk=passage_pk).update(identity=identity)
                revoked = locked.passage_rows.exclude(certificate__status=CertificateStatus.ISSUED)
                if revoked.exists():  # revoked while the file was written: never sent, write it again
                    left_out += [
                        f"{n} : certificat retiré pendant la préparation." for n in _numbers(revoked)
                    ]
                    revoked.delete()
                    continue
                with path.open("rb") as handle:
                    locked.file.save(path.name, File(handle), save=False)
                locked.file_name = path.name
                locked.status, locked.built_at = TransmissionStatus.READY, timezone.now()
                locked.passages = locked.written = written
                locked.problems = "\n".join(left_out[:200])
                locked.save()
                _mark_sent(locked)
                record(
                    TransmissionEvent.BUILT,
                    actor=None,
                    subject=locked,
                    summary=f"{path.name} : {written} titulaire(s), conforme au schéma "
                    f"{locked.schema_version}" + (f" ; {len(left_out)} écarté(s)." if left_out else "."),
                )
            return f"{written} titulaire(s)"
    return _fail(transmission, [*left_out, "Des certificats ont été retirés pendant chaque préparation."])


MAX_WRITES = 3


def _numbers(passages: QuerySet[Passage]) -> list[str]:
    return list(passages.values_list("id_technique", flat=True))


class _Writing:
    """What one writing of the file met: holders the format refused (left out, still to send), and holders
    whose identity changed since they were claimed (the fingerprint kept is the one written)."""

    def __init__(self, transmission: Transmission) -> None:
        self.transmission = transmission
        self.skipped: list[int] = []
        self.left_out: list[str] = []
        self.changed: dict[int, str] = {}


@transaction.atomic
def _claim(transmission: Transmission) -> None:
    """The passages of the certificates due now, with the identity they are sent with; nothing when the
    transmission was abandoned meanwhile (locked: an abandon waits for the claim, or the claim for it)."""
    locked = Transmission.objects.select_for_update().filter(pk=transmission.pk).first()
    if locked is None or locked.status != TransmissionStatus.BUILDING:
        return
    due = (
        due_certificates()
        .select_related("case_file__candidate")
        .order_by("certification__code", "awarded_on", "pk")
        .only(
            "pk", "number", "case_file__candidate__id", *(f"case_file__candidate__{f}" for f in IDENTITY_SENT)
        )
    )
    rows = (
        Passage(
            transmission=transmission,
            certificate_id=certificate.pk,
            id_technique=certificate.number,
            identity=identity_print(certificate.case_file.candidate),
        )
        for certificate in due.iterator(chunk_size=CLAIM_CHUNK)
    )
    while chunk := list(itertools.islice(rows, CLAIM_CHUNK)):
        Passage.objects.bulk_create(chunk)


def _write(
    transmission: Transmission, path: Path, writing: _Writing, progress: Callable[[int], None] | None
) -> int:
    def advance(done: int) -> None:
        Transmission.objects.filter(pk=transmission.pk).update(written=done)
        if progress is not None:
            progress(done)

    header = cdc.FluxHeader(
        id_flux=transmission.id_flux,
        timestamp=timezone.localtime(),
        id_client=settings.CDC_ID_CLIENT,
        id_contrat=settings.CDC_ID_CONTRAT,
    )
    return cdc.write_flux(
        path, header=header, certifications=_certifications(transmission, writing), progress=advance
    )


def _certifications(
    transmission: Transmission, writing: _Writing
) -> Iterator[tuple[cdc.CertificationRef, Iterator[cdc.Passage]]]:
    rows = (
        transmission.passage_rows.select_related(
            "certificate__certification", "certificate__case_file__candidate"
        )
        .order_by("certificate__certification__code", "pk")
        .iterator(chunk_size=2000)
    )
    for _, group in itertools.groupby(rows, key=lambda passage: passage.certificate.certification_id):
        first = next(group)
        certification = first.certificate.certification
        reference = cdc.CertificationRef(type="RS", code=certification.rs_code)
        # The writer reads each group whole before asking for the next: groupby's contract.
        yield reference, _passages(itertools.chain([first], group), writing)  # noqa: B031


def _passages(rows: Iterator[Passage], writing: _Writing) -> Iterator[cdc.Passage]:
    for row in rows:
        try:
            passage = _passage(row)
        except cdc.FluxError:
            # No value in the message: it goes on the page and the trail, the person's data must not.
            writing.skipped.append(row.pk)
            writing.left_out.append(
                f"{row.id_technique} : identité refusée par le format de la CDC (nom ou prénom de plus de "
                "60 caractères, ou caractère non admis) : corrigez-la, le titulaire sera transmis ensuite."
            )
            continue
        identity = identity_print(row.certificate.case_file.candidate)
        if identity != row.identity:
            writing.changed[row.pk] = identity
        yield passage


def _passage(row: Passage) -> cdc.Passage:
    certificate = row.certificate
    candidate = certificate.case_file.candidate
    first_names = tuple(
        n for n in (candidate.first_name, candidate.first_name_2, candidate.first_name_3) if n
    )
    abroad = bool(candidate.birth_country_code)
    return cdc.Passage(
        id_technique=row.id_technique,
        awarded_on=certificate.awarded_on,
        url_preuve=settings.PUBLIC_BASE_URL.rstrip("/")
        + reverse("certificate_verify_number", kwargs={"number": certificate.number}),
        birth_name=candidate.birth_name,
        usual_name="" if same_name(candidate.last_name, candidate.birth_name) else candidate.last_name,
        first_names=first_names,
        birth_date=candidate.birth_date,
        sex=candidate.sex,
        birth_commune_code="" if abroad else candidate.birth_commune_code,
        birth_country_code=candidate.birth_country_code[-3:] if abroad else "",
        birth_country_label=country_label(candidate.birth_country_code) if abroad else "",
    )


def same_name(one: str, other: str) -> bool:
    """The usual name is sent only when it differs from the birth name (case, accents and spaces aside)."""
    return normalised_name(one) == normalised_name(other)


def _fail(transmission: Transmission, problems: list[str]) -> str:
    with transaction.atomic():
        # Only a transmission still being built fails: one abandoned meanwhile keeps its state and reason.
        if not Transmission.objects.filter(pk=transmission.pk, status=TransmissionStatus.BUILDING).update(
            status=TransmissionStatus.FAILED, problems="\n".join(problems[:50]), passages=0, written=0
        ):
            return "déjà traitée"
        transmission.passage_rows.all().delete()
        record(
            TransmissionEvent.FAILED,
            actor=None,
            subject=transmission,
            summary=f"Fichier non conforme au schéma, non proposé : {problems[0]}"[:500],
        )
    logger.error("Transmission %s non conforme : %s", transmission.id_flux, problems[:5])
    return "non conforme"


def _mark_sent(transmission: Transmission) -> None:
    now = timezone.now()
    claimed = Certificate.objects.filter(
        Exists(Passage.objects.filter(transmission=transmission, certificate=OuterRef("pk")))
    )
    files = _files_of(claimed)
    claimed.update(cdc_status=CdcStatus.SENT, cdc_status_at=now, exported_at=now, cdc_message="")
    _on_timelines(
        CertificateEvent.CDC_SENT,
        files,
        actor=None,
        summary=lambda number: f"Certificat {number} transmis au SI CPF ({transmission.id_flux}).",
    )


def _files_of(certificates: QuerySet[Certificate]) -> list[tuple[int, str, str]]:
    """(file, file's label as its timeline shows it, certificate number) of each certificate, in one query."""
    rows = certificates.values_list(
        "case_file_id",
        "case_file__candidate__last_name",
        "case_file__candidate__first_name",
        "certification__name",
        "number",
    )
    return [
        (pk, f"{Candidate.display_name(last, first)} – {certification}", number)
        for pk, last, first, certification, number in rows
    ]


def _on_timelines(
    verb: str, files: list[tuple[int, str, str]], *, actor: SystemActor, summary: Callable[[str], str]
) -> None:
    """One event per certificate on its file's timeline (the same for thousands: one statement a thousand)."""
    record_alike(
        verb,
        actor=actor,
        subject_type=ContentType.objects.get_for_model(CaseFile),
        subject_ids=[pk for pk, _, _ in files],
        labels=[label for _, label, _ in files],
        summaries=[summary(number) for _, _, number in files],
    )


# After building: deposited, then the receipt.


@transaction.atomic
def mark_deposited(transmission: Transmission, *, actor: Actor) -> Transmission:
    ensure_may_transmit(actor)
    locked = Transmission.objects.select_for_update().get(pk=transmission.pk)
    if locked.status != TransmissionStatus.READY:
        raise ValidationError(
            f"Cette transmission est « {locked.get_status_display()} » : seule une transmission prête "
            "peut être marquée comme déposée."
        )
    locked.status, locked.deposited_at, locked.deposited_by = (
        TransmissionStatus.DEPOSITED,
        timezone.now(),
        actor,
    )
    locked.save(update_fields=["status", "deposited_at", "deposited_by"])
    record(
        TransmissionEvent.DEPOSITED,
        actor=actor,
        subject=locked,
        summary=f"{locked.file_name} déposé sur le portail de la Caisse des Dépôts.",
    )
    return locked


@transaction.atomic
def apply_receipt(transmission: Transmission, content: bytes, *, name: str, actor: Actor) -> dict[str, int]:
    """Read the CDC's processing receipt of this transmission: each holder accepted ("already exists"
    included) or rejected with the CDC's message. A receipt of another file, or naming a holder the file
    did not hold, changes nothing. Returns the counts applied now."""
    ensure_may_transmit(actor)
    locked = Transmission.objects.select_for_update().get(pk=transmission.pk)
    if locked.status not in (TransmissionStatus.DEPOSITED, TransmissionStatus.PROCESSED):
        raise ValidationError(
            "Enregistrez l'accusé de traitement une fois le fichier déposé sur le portail de la CDC "
            "(« Marquer comme déposée »)."
        )
    try:
        receipt = cdc_receipts.read_receipt(content, version=locked.schema_version)
    except cdc_receipts.ReceiptError as error:
        raise ValidationError(f"Accusé refusé, rien n'a changé : {error}") from None
    if receipt.id_flux != locked.id_flux:
        raise ValidationError(
            f"Cet accusé concerne le flux « {receipt.id_flux} », pas cette transmission ({locked.id_flux}) : "
            "rien n'a changé."
        )
    if receipt.file_name and receipt.file_name != locked.file_name:
        raise ValidationError(
            f"Cet accusé concerne le fichier « {receipt.file_name} », pas « {locked.file_name} » : "
            "rien n'a changé."
        )
    outcomes = receipt.outcomes()
    passages = {
        p.id_technique: p for p in locked.passage_rows.select_for_update().filter(id_technique__in=outcomes)
    }
    unknown = sorted(set(outcomes) - set(passages))
    if unknown:
        shown = ", ".join(unknown[:5]) + (" …" if len(unknown) > 5 else "")
        raise ValidationError(
            f"{len(unknown)} titulaire(s) de l'accusé ne sont pas dans cette transmission ({shown}) : "
            "rien n'a changé."
        )
    conflicts = [
        key
        for key, outcome in outcomes.items()
        if passages[key].outcome != PassageOutcome.PENDING
        and passages[key].outcome
        != (PassageOutcome.ACCEPTED if outcome.accepted else PassageOutcome.REJECTED)
    ]
    if conflicts:
        raise ValidationError(
            f"Cet accusé contredit un accusé déjà enregistré pour {', '.join(conflicts[:5])} : "
            "rien n'a changé."
        )
    fresh = {key: value for key, value in outcomes.items() if passages[key].outcome == PassageOutcome.PENDING}
    now = timezone.now()
    accepted = [passages[key] for key, outcome in fresh.items() if outcome.accepted]
    rejected = [
        (passages[key], outcome.rejection)
        for key, outcome in fresh.items()
        if not outcome.accepted and outcome.rejection is not None
    ]
    _accept(accepted, now, locked)
    _reject(rejected, now, locked)
    pending = locked.passage_rows.filter(outcome=PassageOutcome.PENDING).exists()
    locked.accepted += len(accepted)
    locked.rejected += len(rejected)
    locked.status = TransmissionStatus.DEPOSITED if pending else TransmissionStatus.PROCESSED
    locked.receipt_at, locked.receipt_name = now, name[:200]
    locked.save(update_fields=["accepted", "rejected", "status", "receipt_at", "receipt_name"])
    record(
        TransmissionEvent.RECEIPT,
        actor=actor,
        subject=locked,
        summary=f"Accusé « {name} » : {len(accepted)} accepté(s), {len(rejected)} rejeté(s)"
        + (" ; d'autres titulaires attendent encore leur accusé." if pending else "."),
    )
    return {"accepted": len(accepted), "rejected": len(rejected), "unchanged": len(outcomes) - len(fresh)}


def _current(passages: list[Passage], transmission: Transmission) -> QuerySet[Certificate]:
    """The certificates these passages are the latest word on (a later transmission may hold one again)."""
    return Certificate.objects.filter(
        pk__in=[p.certificate_id for p in passages], cdc_status=CdcStatus.SENT
    ).exclude(
        Exists(Passage.objects.filter(certificate=OuterRef("pk"), transmission__pk__gt=transmission.pk))
    )


def _accept(passages: list[Passage], now: dt.datetime, transmission: Transmission) -> None:
    if not passages:
        return
    Passage.objects.filter(pk__in=[p.pk for p in passages]).update(
        outcome=PassageOutcome.ACCEPTED, decided_at=now
    )
    current = _current(passages, transmission)
    files = _files_of(current)
    current.update(cdc_status=CdcStatus.ACCEPTED, cdc_status_at=now, cdc_message="")
    _on_timelines(
        CertificateEvent.CDC_ACCEPTED,
        files,
        actor=None,
        summary=lambda number: (
            f"Certificat {number} accepté par le SI CPF ({transmission.id_flux}) : il "
            "figure sur le compte formation du titulaire."
        ),
    )


def _reject(
    rejected: list[tuple[Passage, cdc_receipts.Rejection]], now: dt.datetime, transmission: Transmission
) -> None:
    """The CDC's message kept as it wrote it (on the passage and the certificate); the timeline adds what to
    do when the message is terse."""
    if not rejected:
        return
    for passage, rejection in rejected:
        passage.outcome, passage.code, passage.message, passage.decided_at = (
            PassageOutcome.REJECTED,
            rejection.code[:60],
            rejection.message[:500],
            now,
        )
    Passage.objects.bulk_update([p for p, _ in rejected], ["outcome", "code", "message", "decided_at"])
    current = set(_current([p for p, _ in rejected], transmission).values_list("pk", flat=True))
    certificates = Certificate.objects.select_related("case_file").in_bulk(current)
    shown: list[tuple[Certificate, cdc_receipts.Rejection]] = []
    for passage, rejection in rejected:
        certificate = certificates.get(passage.certificate_id)
        if certificate is None:
            continue
        certificate.cdc_status, certificate.cdc_status_at, certificate.cdc_message = (
            CdcStatus.REJECTED,
            now,
            rejection.message[:500],
        )
        shown.append((certificate, rejection))
    Certificate.objects.bulk_update([c for c, _ in shown], ["cdc_status", "cdc_status_at", "cdc_message"])
    # One by one to the subscribers: the region's officers learn of each rejected holder.
    record_each(
        CertificateEvent.CDC_REJECTED,
        actor=None,
        subjects=[c.case_file for c, _ in shown],
        summaries=[_rejection_summary(c, r, transmission) for c, r in shown],
        data_each=[{"certificate": c.pk, "region": c.region_id, "code": r.code} for c, r in shown],
    )


def _rejection_summary(
    certificate: Certificate, rejection: cdc_receipts.Rejection, transmission: Transmission
) -> str:
    hint = f" {rejection.explanation}" if rejection.explanation != rejection.message else ""
    return (
        f"Certificat {certificate.number} rejeté par le SI CPF ({transmission.id_flux}) : "
        f"« {rejection.message} ».{hint} Corrigez l'identité du·de la titulaire : il·elle sera transmis·e "
        "de nouveau."
    )


# A transmission given up: never deposited, refused whole by the CDC ("inexploitable"), stuck while built, or
# holders the receipt did not answer.

ABANDONABLE = (TransmissionStatus.BUILDING, TransmissionStatus.READY, TransmissionStatus.DEPOSITED)


@transaction.atomic
def abandon_transmission(transmission: Transmission, *, reason: str, actor: Actor) -> Transmission:
    """Give a transmission up: the holders it holds that the CDC has not answered go back to "to send"
    (unless a later transmission holds them), its file is deleted; the answers already recorded stay."""
    ensure_may_transmit(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Indiquez pourquoi la transmission est abandonnée (le motif est obligatoire).")
    locked = Transmission.objects.select_for_update().get(pk=transmission.pk)
    if locked.status not in ABANDONABLE:
        raise ValidationError(
            f"Cette transmission est « {locked.get_status_display()} » : seule une transmission en "
            "préparation, prête ou déposée (sans accusé pour tous ses titulaires) peut être abandonnée."
        )
    pending = list(locked.passage_rows.filter(outcome=PassageOutcome.PENDING))
    back = _current(pending, locked)
    files = _files_of(back)
    back.update(cdc_status=CdcStatus.TO_SEND, cdc_status_at=timezone.now())
    _on_timelines(
        CertificateEvent.CDC_REQUEUED,
        files,
        actor=actor,
        summary=lambda number: (
            f"Transmission {locked.id_flux} abandonnée : le certificat {number} sera transmis de nouveau."
        ),
    )
    Passage.objects.filter(pk__in=[p.pk for p in pending]).delete()
    name, storage = locked.file.name, locked.file.storage
    if name:
        transaction.on_commit(partial(storage.delete, name))
    locked.status, locked.file, locked.problems = TransmissionStatus.ABANDONED, "", reason[:2000]
    locked.passages = locked.accepted + locked.rejected
    locked.save(update_fields=["status", "file", "problems", "passages"])
    record(
        TransmissionEvent.ABANDONED,
        actor=actor,
        subject=locked,
        summary=f"Transmission abandonnée ({reason[:300]}) : {len(files)} titulaire(s) à transmettre "
        "de nouveau.",
    )
    return locked


# A rejected holder corrected; a revoked certificate withdrawn at the CDC.


def requeue_corrected(
    *, actor: SystemActor, candidate: Candidate | None = None, candidate_ids: Iterable[int] | None = None
) -> int:
    """The rejected holders (of `candidate`, or all) whose identity changed since it was sent go back to "to
    send" — and only those: a holder rejected and not corrected would be rejected again."""
    rejected = Certificate.objects.filter(
        status=CertificateStatus.ISSUED, cdc_status=CdcStatus.REJECTED
    ).select_related("case_file__candidate")
    if candidate is not None:
        rejected = rejected.filter(case_file__candidate=candidate)
    if candidate_ids is not None:
        rejected = rejected.filter(case_file__candidate_id__in=list(candidate_ids))
    # Oldest first: for each certificate the last one read, its latest transmission's, is kept.
    passages = Passage.objects.filter(certificate__in=rejected).order_by("certificate_id", "transmission_id")
    latest = {p.certificate_id: p.identity for p in passages} if rejected.exists() else {}
    corrected = [
        c for c in rejected if latest.get(c.pk) and identity_print(c.case_file.candidate) != latest[c.pk]
    ]
    if not corrected:
        return 0
    with transaction.atomic():
        now = timezone.now()
        requeued = Certificate.objects.filter(pk__in=[c.pk for c in corrected], cdc_status=CdcStatus.REJECTED)
        files = _files_of(requeued)
        requeued.update(cdc_status=CdcStatus.TO_SEND, cdc_status_at=now)
        _on_timelines(
            CertificateEvent.CDC_REQUEUED,
            files,
            actor=actor,
            summary=lambda number: (
                f"Identité corrigée depuis le rejet du SI CPF : le certificat {number} "
                "sera transmis de nouveau."
            ),
        )
    return len(corrected)


@transaction.atomic
def mark_removed_from_cdc(certificate: Certificate, *, actor: Actor) -> Certificate:
    """A revoked certificate the CDC had accepted: the person withdrew it on the CDC's portal (by hand until
    the schema carries a deletion)."""
    ensure_may_transmit(actor)
    locked = Certificate.objects.select_for_update().select_related("case_file").get(pk=certificate.pk)
    if locked.status != CertificateStatus.REVOKED or locked.cdc_status != CdcStatus.ACCEPTED:
        raise ValidationError("Seul un certificat retiré que la CDC avait accepté est à retirer du SI CPF.")
    if locked.cdc_removed_at is not None:
        raise ValidationError(
            f"Ce certificat est déjà retiré du SI CPF (le {locked.cdc_removed_at:%d/%m/%Y})."
        )
    locked.cdc_removed_at = timezone.now()
    locked.save(update_fields=["cdc_removed_at"])
    record(
        CertificateEvent.CDC_REMOVED,
        actor=actor,
        subject=locked.case_file,
        summary=f"Certificat {locked.number} retiré du SI CPF (portail de la Caisse des Dépôts).",
    )
    return locked


# Retention: the XML files hold each holder's identity as sent (casefiles/personal_data.py).

TRANSMISSION_FILE_RETENTION_DAYS = 365


def purge_transmission_files(*, today: dt.date | None = None) -> int:
    """Delete the XML files (and erase the problems' texts) of the transmissions whose receipt, or failure,
    is over a year old; the counts and each holder's answer stay. Returns the number of transmissions."""
    today = today or timezone.localdate()
    before = timezone.make_aware(
        dt.datetime.combine(today - dt.timedelta(days=TRANSMISSION_FILE_RETENTION_DAYS), dt.time())
    )
    due = Transmission.objects.filter(
        Q(status=TransmissionStatus.PROCESSED, receipt_at__lt=before)
        | Q(status__in=[TransmissionStatus.FAILED, TransmissionStatus.ABANDONED], created_at__lt=before)
        # A file never deposited, or deposited without a receipt for everyone, for a year: not kept longer.
        | Q(status__in=[TransmissionStatus.READY, TransmissionStatus.DEPOSITED], created_at__lt=before)
    ).exclude(file="", problems="")
    purged = 0
    for transmission in due:
        with transaction.atomic():
            name, storage = transmission.file.name, transmission.file.storage
            Transmission.objects.filter(pk=transmission.pk).update(file="", problems="")
            if name:
                transaction.on_commit(partial(storage.delete, name))
        purged += 1
    return purged
