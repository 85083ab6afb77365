"""An import's life: upload (header checked at once) → dry run in a worker → confirmation → atomic apply
in a worker. Each step is safe to run twice: a redelivered message or a restarted worker never imports
twice (the dry run is claimed with a heartbeat, the apply holds the job's row lock in its transaction)."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import itertools
import logging
import tempfile
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import DatabaseError, InterfaceError, OperationalError, transaction
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from accreditation.scoping import scope_of
from backoffice.core.accounts.roles import Role, has_role
from backoffice.core.accounts.types import Actor
from backoffice.core.audit.events import record
from backoffice.core.bulksql import refresh_statistics
from backoffice.core.legacy.models import LegacyBatch
from backoffice.core.uploads import clean_file_name
from backoffice.core.worker import send_on_commit
from casefiles.selectors import frameworks_cached

from .contracts import contract_for
from .contracts.base import INVALID, NEW, REASON_COLUMN, UNCHANGED, UPDATED, Checker, Row, rows_of
from .events import ImportEvent
from .legacy import ensure_batch_open, ensure_supervisor, may_take_over, open_batch
from .models import LEGACY_CONTRACTS, Contract, ImportJob, ImportRowError, ImportStatus
from .reading import ImportFileError, open_table
from .signals import import_applied, rows_applied

logger = logging.getLogger(__name__)

BATCH_ROWS = 1000
ANALYSE_AFTER_ROWS = 5000  # a load this large changes the tables' statistics: refreshed at once
MAX_STORED_ERRORS = 5000  # shown on the preview; the error report holds every rejected row
STALE_AFTER = dt.timedelta(minutes=2)
COUNT_FIELDS = ("rows", "new_rows", "updated_rows", "unchanged_rows", "invalid_rows")
STAFF = (Role.CASE_OFFICER, Role.SUPERVISOR, Role.ADMINISTRATOR)
ORGANISATION_CONTRACTS = (Contract.CANDIDATES, Contract.RESULTS)


class NotApplied(Exception):
    """Ends the apply's transaction: nothing of the file is written."""


def contracts_for(user: Any) -> list[Contract]:
    """The files this person may import: their organisation's candidates and results; staff, every kind
    but the takeover of the old system's history, which supervisors (and administrators) run."""
    if may_take_over(user):
        return list(Contract)
    if has_role(user, *STAFF):
        return [contract for contract in Contract if contract not in LEGACY_CONTRACTS]
    if has_role(user, Role.EVALUATOR_STAFF) and scope_of(user).organisation_id:
        return list(ORGANISATION_CONTRACTS)
    return []


def create_import(
    *,
    contract: str,
    upload: Any,
    actor: Actor,
    legacy_batch: LegacyBatch | None = None,
    enqueue: bool = True,
) -> ImportJob:
    """Store the file and queue its dry run; an empty, oversized or wrongly headed file is refused at once.
    An import of the takeover belongs to a migration batch (`legacy_batch`; a file of a takeover contract
    sent alone gets a batch of its own). `enqueue=False`: the caller runs the steps itself (the migration
    command), nothing is sent to the worker."""
    if contract not in contracts_for(actor):
        raise PermissionDenied("Vous ne pouvez pas importer ce type de fichier.")
    if legacy_batch is not None:
        ensure_supervisor(actor)
        ensure_batch_open(legacy_batch)
    if upload is None:
        raise ValidationError("Choisissez un fichier.")
    limit = settings.IMPORT_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            f"Le fichier pèse {filesizeformat(upload.size)} : la limite est de {filesizeformat(limit)}. "
            "Découpez-le en plusieurs fichiers."
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    try:
        table = open_table(upload, size=upload.size)
        contract_for(contract).check_header(table.columns)
    except ImportFileError as error:
        raise ValidationError(error.message) from error
    upload.seek(0)
    with transaction.atomic():
        job = ImportJob(
            contract=contract,
            organisation_id=scope_of(actor).organisation_id,
            uploaded_by=actor,
            original_name=clean_file_name(upload.name or "fichier"),
            size=upload.size,
            sha256=digest.hexdigest(),
            description=table.description,
            legacy_batch=legacy_batch,
        )
        if legacy_batch is None and contract in LEGACY_CONTRACTS:
            job.legacy_batch = open_batch(label=job.original_name, actor=actor)
        job.file.save(job.sha256, File(upload), save=False)
        job.save()
        record(
            ImportEvent.UPLOADED,
            actor=actor,
            subject=job,
            summary=f"{job.original_name} ({table.description}).",
        )
        if enqueue:
            _send_on_commit("validate", job.pk)
    return job


def check_import(job_id: int, *, observe: Callable[[list[Row]], None] | None = None) -> None:
    """The dry run: every row checked, counted and its errors kept; nothing of the file is written.
    `observe`: called with each batch of rows once judged (the API answers per item from them)."""
    token = str(uuid.uuid4())
    if not _claim(job_id, token):
        return  # done already, or another worker is on it (its heartbeat is fresh)
    job = ImportJob.objects.select_related("uploaded_by").get(pk=job_id)
    job.row_errors.all().delete()  # a restarted check starts from scratch
    try:
        checker = contract_for(job.contract).checker(job, applying=False)
        counts, report = _run(
            job, checker, heartbeat=lambda share: _beat(job_id, token, share), observe=observe
        )
    except ImportFileError as error:
        ImportJob.objects.filter(pk=job_id, claimed_by=token).update(
            status=ImportStatus.REFUSED, file_error=error.message, finished_at=timezone.now(), progress=100
        )
        return
    except _Superseded:
        return
    _save_counts(job, counts, report)
    ImportJob.objects.filter(pk=job_id, claimed_by=token, status=ImportStatus.VALIDATING).update(
        status=ImportStatus.VALIDATED,
        validated_at=timezone.now(),
        progress=100,
        error_report=job.error_report.name or "",
        **{name: getattr(job, name) for name in COUNT_FIELDS},
    )


def confirm_import(job: ImportJob, *, skip_invalid: bool, actor: Actor, enqueue: bool = True) -> ImportJob:
    """The user's go-ahead after the preview; the apply runs in a worker, all or nothing."""
    with transaction.atomic():
        locked = (
            ImportJob.objects.select_for_update(of=("self",)).select_related("legacy_batch").get(pk=job.pk)
        )
        _ensure_may_act(locked, actor)
        if locked.legacy_batch is not None:
            ensure_supervisor(actor)
            ensure_batch_open(locked.legacy_batch)
        if locked.status != ImportStatus.VALIDATED:
            raise ValidationError(
                f"Cet import est « {locked.get_status_display().lower()} » : il ne peut plus être confirmé."
            )
        if locked.new_rows + locked.updated_rows == 0:
            raise ValidationError("Rien à importer : aucune ligne valide n'est nouvelle ou modifiée.")
        if locked.invalid_rows and not skip_invalid:
            raise ValidationError(
                f"{locked.invalid_rows} ligne(s) en erreur : cochez la case pour les écarter et importer "
                "les autres, "
                "ou corrigez le fichier et déposez-le à nouveau."
            )
        locked.status, locked.skip_invalid = ImportStatus.APPLYING, bool(locked.invalid_rows and skip_invalid)
        locked.confirmed_by, locked.confirmed_at, locked.progress = actor, timezone.now(), 0
        locked.save()
        summary = f"{locked.new_rows} nouvelle(s), {locked.updated_rows} modifiée(s)"
        if locked.skip_invalid:
            summary += f", {locked.invalid_rows} en erreur écartée(s)"
        record(ImportEvent.CONFIRMED, actor=actor, subject=locked, summary=summary + ".")
        if enqueue:
            _send_on_commit("apply", locked.pk)
    return locked


def cancel_import(job: ImportJob, *, actor: Actor) -> ImportJob:
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().get(pk=job.pk)
        _ensure_may_act(locked, actor)
        if locked.status not in (ImportStatus.VALIDATED, ImportStatus.REFUSED):
            raise ValidationError("Seul un import vérifié et non confirmé peut être abandonné.")
        locked.status, locked.finished_at = ImportStatus.CANCELLED, timezone.now()
        locked.save(update_fields=["status", "finished_at"])
        record(
            ImportEvent.CANCELLED, actor=actor, subject=locked, summary="Import abandonné avant application."
        )
    return locked


def apply_import(job_id: int, *, observe: Callable[[list[Row]], None] | None = None) -> None:
    """Write every valid row in one transaction, or nothing; a second delivery finds the job applied.
    `observe`: called with each batch of rows once written (as `check_import`)."""
    try:
        with transaction.atomic():
            job = (
                ImportJob.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("uploaded_by", "confirmed_by")
                .filter(pk=job_id, status=ImportStatus.APPLYING)
                .first()
            )
            if job is None:
                return  # applied already, or being applied by another worker right now
            _ensure_batch_still_open(job)
            job.row_errors.all().delete()  # the apply checks again: its errors replace the preview's
            checker = contract_for(job.contract).checker(job, applying=True)
            counts, report = _run(
                job,
                checker,
                apply=checker.apply,
                heartbeat=lambda share: _progress(job_id, share),
                observe=observe,
            )
            if counts[INVALID] and not job.skip_invalid:
                raise NotApplied(
                    f"{counts[INVALID]} ligne(s) sont devenues invalides depuis la vérification : "
                    "rien n'a été importé. "
                    "Consultez le rapport d'erreurs, corrigez et déposez le fichier à nouveau."
                )
            _save_counts(job, counts, report)
            job.status, job.finished_at, job.progress = ImportStatus.APPLIED, timezone.now(), 100
            job.outcome = (
                f"{counts[NEW]} ligne(s) créée(s), {counts[UPDATED]} mise(s) à jour, "
                f"{counts[UNCHANGED]} inchangée(s)"
                + (f", {counts[INVALID]} en erreur écartée(s)." if counts[INVALID] else ".")
            )
            job.save()
            record(ImportEvent.APPLIED, actor=job.confirmed_by, subject=job, summary=job.outcome)
            import_applied.send(sender=ImportJob, job=job)
        if counts[NEW] + counts[UPDATED] >= ANALYSE_AFTER_ROWS:
            _refresh_statistics(job)
    except NotApplied as stop:
        _end_not_applied(job_id, str(stop))
    except ImportFileError as error:
        _end_not_applied(job_id, error.message)
    except (OperationalError, InterfaceError):
        raise  # the database is away: the message is retried, the job is still to apply
    except DatabaseError:
        logger.exception("Import %s : conflit en base", job_id)
        _end_not_applied(
            job_id,
            "Un dossier a été modifié en même temps par quelqu'un d'autre : rien n'a été importé. "
            "Déposez le fichier à nouveau.",
        )


def _refresh_statistics(job: ImportJob) -> None:
    """The import is applied: statistics that cannot be refreshed now will be by autovacuum."""
    try:
        refresh_statistics(contract_for(job.contract).writes)
    except DatabaseError:
        logger.warning("Import %s : statistiques des tables non rafraîchies", job.pk, exc_info=True)


def stalled_imports() -> Iterable[tuple[str, int]]:
    """Jobs whose worker died: a check without heartbeat, an apply confirmed long ago and still pending."""
    stale = timezone.now() - STALE_AFTER
    checks = ImportJob.objects.filter(status=ImportStatus.VALIDATING).filter(
        Q(heartbeat_at__lt=stale) | Q(heartbeat_at__isnull=True, uploaded_at__lt=stale)
    )
    applies = ImportJob.objects.filter(status=ImportStatus.APPLYING, confirmed_at__lt=stale)
    yield from (("validate", pk) for pk in checks.values_list("pk", flat=True))
    yield from (("apply", pk) for pk in applies.values_list("pk", flat=True))


def progress_of(job: ImportJob) -> int:
    """Percentage done: the check writes it on the job; the apply (one transaction) in the cache."""
    if job.status == ImportStatus.APPLYING:
        return int(cache.get(_progress_key(job.pk), 0))
    return job.progress


def judged_rows(job: ImportJob) -> list[Row]:
    """Every row of a checked file judged again, in memory (nothing kept, nothing written): for whoever needs
    each row's verdict after another worker ran the dry run (a redelivered API lot)."""
    checker = contract_for(job.contract).checker(job, applying=False)
    with job.file.open("rb") as handle, frameworks_cached():
        table = open_table(handle, size=job.size)
        rows = list(rows_of(table.columns, table.rows))
        for start in range(0, len(rows), BATCH_ROWS):
            checker.check(rows[start : start + BATCH_ROWS])
    return rows


class _Superseded(Exception):
    pass


def _run(
    job: ImportJob,
    checker: Checker,
    *,
    heartbeat: Callable[[float], None],
    apply: Callable[[list[Row]], None] | None = None,
    observe: Callable[[list[Row]], None] | None = None,
) -> tuple[Counter[str], Any]:
    contract = contract_for(job.contract)
    counts: Counter[str] = Counter()
    report = tempfile.TemporaryFile(mode="w+", encoding="utf-8-sig", newline="")  # noqa: SIM115 (closed by _save_counts)
    writer = csv.writer(report, delimiter=";", lineterminator="\r\n")
    stored = ImportRowError.objects.filter(job=job).count()
    with job.file.open("rb") as handle, frameworks_cached():
        table = open_table(handle, size=job.size)
        contract.check_header(table.columns)
        writer.writerow([name for name in table.columns if name != REASON_COLUMN] + [REASON_COLUMN])
        rows = rows_of(table.columns, table.rows)
        while batch := list(itertools.islice(rows, BATCH_ROWS)):
            checker.check(batch)
            if apply is not None:
                apply(batch)  # a row refused while writing (changed since the check) turns invalid
            counts.update(row.action for row in batch)
            if observe is not None:
                observe(batch)
            if apply is not None:
                rows_applied.send(sender=ImportJob, job=job, rows=batch)
            stored += _keep_errors(job, batch, writer, room=MAX_STORED_ERRORS - stored)
            heartbeat(table.progress())
    counts["rows"] = sum(counts[k] for k in (NEW, UPDATED, UNCHANGED, INVALID))
    return counts, report


def _keep_errors(job: ImportJob, batch: list[Row], writer: Any, *, room: int) -> int:
    errors: list[ImportRowError] = []
    for row in batch:
        if row.action != INVALID:
            continue
        reason = " | ".join(f"{column or 'ligne'} : {message}" for column, message in row.errors)
        writer.writerow([*row.raw, f"ligne {row.line} — {reason}"])
        errors.extend(
            ImportRowError(job=job, line=row.line, column=column[:50], message=message[:500])
            for column, message in row.errors
        )
    kept = errors[: max(room, 0)]
    ImportRowError.objects.bulk_create(kept)
    return len(kept)


def _save_counts(job: ImportJob, counts: Counter[str], report: Any) -> None:
    job.rows = counts["rows"]
    job.new_rows, job.updated_rows = counts[NEW], counts[UPDATED]
    job.unchanged_rows, job.invalid_rows = counts[UNCHANGED], counts[INVALID]
    if counts[INVALID]:
        report.seek(0)
        content = io.BytesIO(report.read().encode("utf-8-sig"))
        job.error_report.save("rapport.csv", File(content), save=False)
    else:
        job.error_report = ""
    report.close()


def _claim(job_id: int, token: str) -> bool:
    now = timezone.now()
    free = Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=now - STALE_AFTER)
    claimed = ImportJob.objects.filter(free, pk=job_id, status=ImportStatus.VALIDATING).update(
        claimed_by=token, heartbeat_at=now, progress=0
    )
    return claimed == 1


def _beat(job_id: int, token: str, share: float) -> None:
    alive = ImportJob.objects.filter(pk=job_id, claimed_by=token, status=ImportStatus.VALIDATING).update(
        heartbeat_at=timezone.now(), progress=min(int(share * 100), 99)
    )
    if not alive:
        raise _Superseded


def _progress(job_id: int, share: float) -> None:
    cache.set(_progress_key(job_id), min(int(share * 100), 99), timeout=3600)


def _progress_key(job_id: int) -> str:
    return f"import-progress:{job_id}"


def _end_not_applied(job_id: int, message: str) -> None:
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().filter(pk=job_id, status=ImportStatus.APPLYING).first()
        if job is None:
            return
        job.status, job.outcome, job.finished_at = ImportStatus.NOT_APPLIED, message[:1000], timezone.now()
        job.save(update_fields=["status", "outcome", "finished_at"])
        record(ImportEvent.NOT_APPLIED, actor=None, subject=job, summary=message)


def _ensure_batch_still_open(job: ImportJob) -> None:
    """A takeover import applies only into an open batch: one undone or declared live while the import waited
    for the worker takes nothing more (the batch's lock orders the apply and the undo)."""
    if job.legacy_batch_id is None:
        return
    batch = LegacyBatch.objects.select_for_update().get(pk=job.legacy_batch_id)
    try:
        ensure_batch_open(batch)
    except ValidationError as error:
        raise NotApplied(" ".join(error.messages) + " Rien n'a été importé.") from error


def _ensure_may_act(job: ImportJob, actor: Actor) -> None:
    from .selectors import imports_for

    if not imports_for(actor).filter(pk=job.pk).exists():
        raise PermissionDenied("Cet import n'est pas dans votre périmètre.")


def _send_on_commit(step: str, job_id: int) -> None:
    from . import tasks

    actor = tasks.check_import_job if step == "validate" else tasks.apply_import_job
    send_on_commit(actor.send, job_id)
