"""Exporting a list: at once when it is small, else as an export job prepared by the worker.

Rows are always read for the requesting user through the list's scoped selector and filters; the worker
re-reads that user (their scope may have changed since the request).
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone

from backoffice.core.accounts.types import Actor
from backoffice.core.audit.events import record
from backoffice.core.exports import formats
from backoffice.core.exports.kinds import KINDS, Kind
from backoffice.core.worker import send_on_commit

from .models import ExportFormat, ExportJob, ExportStatus, export_path

logger = logging.getLogger(__name__)

CHUNK_SIZE = 2000  # rows read per query while writing; a resource's `before_batch` runs per chunk
MAX_FILTERS_LENGTH = 2000
# A job "running" for longer than this was left by a worker that died: a redelivered message takes it over.
STALE_AFTER = dt.timedelta(hours=1)
EXPORTED, REQUESTED = "export.downloaded", "export.requested"  # audit verbs
FAILED_MESSAGE = "L'export n'a pas pu être préparé. Réessayez ; si l'échec se répète, contactez l'assistance."


def inline_max_rows() -> int:
    """Lists up to this many rows are exported at once; larger ones in the background."""
    return int(getattr(settings, "EXPORT_INLINE_MAX_ROWS", 1000))


def retention_days() -> int:
    """Days a prepared export file is kept before the nightly purge deletes it."""
    return int(getattr(settings, "EXPORT_RETENTION_DAYS", 7))


@dataclass(frozen=True)
class InlineExport:
    filename: str
    content_type: str
    content: bytes
    row_count: int


def export_filename(kind: Kind, fmt: str, at: dt.datetime | None = None) -> str:
    """'dossiers-20260105-1430.csv' (Paris time)."""
    moment = timezone.localtime(at or timezone.now())
    return f"{kind.slug}-{moment:%Y%m%d-%H%M}.{fmt}"


def filters_to_json(filters: QueryDict) -> dict[str, list[str]]:
    return {key: values for key, values in filters.lists()}


def filters_from_json(data: Any) -> QueryDict:
    query = QueryDict(mutable=True)
    if isinstance(data, dict):
        for key, values in data.items():
            query.setlist(str(key), [str(v) for v in values] if isinstance(values, list) else [str(values)])
    return query


def write_export(kind: Kind, fmt: str, user: Any, filters: QueryDict, out: IO[bytes]) -> int:
    """Write the list's rows for `user` and `filters` to `out`, read in chunks; returns the row count."""
    rows = kind.rows(user, filters)
    resource = kind.resource(rows)
    columns = resource.get_export_fields()
    values = (
        [resource.export_field(column, row) for column in columns] for row in _in_batches(resource, rows)
    )
    return formats.write(fmt, out, resource.get_export_headers(), values, title=kind.label)


def _in_batches(resource: Any, rows: QuerySet) -> Iterator[Any]:
    """The rows, read CHUNK_SIZE at a time; a resource's `before_batch` loads what a batch needs at once."""
    before_batch = getattr(resource, "before_batch", None)
    batch: list[Any] = []
    for row in rows.iterator(chunk_size=CHUNK_SIZE):
        batch.append(row)
        if len(batch) == CHUNK_SIZE:
            yield from _prepared(batch, before_batch)
            batch = []
    yield from _prepared(batch, before_batch)


def _prepared(batch: list[Any], before_batch: Any) -> list[Any]:
    if batch and before_batch is not None:
        before_batch(batch)
    return batch


def request_export(*, actor: Actor, kind: Kind, fmt: str, filters: QueryDict) -> InlineExport | ExportJob:
    """The export of a list as `actor` sees it: the file itself when small, else a job sent to the worker once
    the transaction commits."""
    if not kind.may_export(actor):
        raise PermissionDenied("Vous n'avez pas accès à cette liste.")
    if fmt not in ExportFormat.values:
        raise ValidationError("Choisissez le format CSV ou XLSX.")
    if len(filters.urlencode()) > MAX_FILTERS_LENGTH:
        raise ValidationError("Les filtres de la liste sont trop longs pour un export : simplifiez-les.")
    if kind.rows(actor, filters).count() <= inline_max_rows():
        out = io.BytesIO()
        count = write_export(kind, fmt, actor, filters, out)
        # Personal data leaves the back-office: the trail says who took what, with which filters.
        record(
            EXPORTED,
            actor=actor,
            subject=actor,
            summary=f"Export {kind.kind} ({fmt.upper()}, {count} ligne(s)).",
            data={"kind": kind.kind, "format": fmt, "rows": count, "filters": filters_to_json(filters)},
        )
        return InlineExport(export_filename(kind, fmt), formats.CONTENT_TYPES[fmt], out.getvalue(), count)
    return _create_job(actor, kind, fmt, filters)


def _create_job(actor: Actor, kind: Kind, fmt: str, filters: QueryDict) -> ExportJob:
    from .tasks import prepare_export_job

    with transaction.atomic():
        job = ExportJob.objects.create(
            requested_by=actor, kind=kind.kind, format=fmt, filters=filters_to_json(filters)
        )
        record(
            REQUESTED,
            actor=actor,
            subject=job,
            summary=f"Export {kind.kind} ({fmt.upper()}) demandé.",
            data={"kind": kind.kind, "format": fmt, "filters": job.filters},
        )
        send_on_commit(prepare_export_job.send, job.pk)
    return job


def prepare_export(job_id: int) -> str:
    """Write a pending job's file; a done job (a redelivered message) or one another worker is writing is left
    alone. Returns what happened: 'done', 'skipped', 'refused' or 'missing'."""
    job = _claim(job_id)
    if job is None:
        return "skipped" if ExportJob.objects.filter(pk=job_id).exists() else "missing"
    user = job.requested_by  # read now, in the worker: the roles and scope of today, not of the request
    kind = KINDS[job.kind]
    if not (user.is_active and kind.may_export(user)):
        _fail(job_id, "Vous n'avez plus accès à cette liste : l'export n'a pas été préparé.")
        return "refused"
    try:
        with tempfile.TemporaryFile() as spool:
            count = write_export(kind, job.format, user, filters_from_json(job.filters), spool)
            spool.seek(0)
            name = job.file.storage.save(export_path(job, ""), File(spool))
    except BaseException:  # the time limit and the worker's shutdown interrupt with a BaseException
        logger.exception("Export %s : échec", job_id)
        _fail(job_id, FAILED_MESSAGE)
        raise  # Dramatiq retries it; a retry takes the failed job up again
    return _finish(job_id, name, count)


def _claim(job_id: int) -> ExportJob | None:
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status == ExportStatus.DONE:
            return None
        now = timezone.now()
        if job.status == ExportStatus.RUNNING and job.started_at and job.started_at > now - STALE_AFTER:
            return None
        job.status, job.started_at, job.error = ExportStatus.RUNNING, now, ""
        job.save(update_fields=["status", "started_at", "error"])
        return job


def _finish(job_id: int, name: str, count: int) -> str:
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().get(pk=job_id)
        if job.status == ExportStatus.DONE:  # a worker that took over a stale job finished first
            job.file.storage.delete(name)
            return "skipped"
        job.file.name = name
        job.status, job.row_count, job.finished_at = ExportStatus.DONE, count, timezone.now()
        job.save(update_fields=["file", "status", "row_count", "finished_at"])
    logger.info("Export %s : %s lignes", job_id, count)
    return "done"


def _fail(job_id: int, message: str) -> None:
    ExportJob.objects.filter(pk=job_id).exclude(status=ExportStatus.DONE).update(
        status=ExportStatus.FAILED, error=message[:500], finished_at=timezone.now()
    )


def purge_expired_exports(*, now: dt.datetime | None = None) -> int:
    """Delete the files of exports prepared more than the retention period ago (the job stays, without file).
    Safe to run twice: a purged job has no file left."""
    limit = (now or timezone.now()) - dt.timedelta(days=retention_days())
    purged = 0
    for job in ExportJob.objects.filter(finished_at__lt=limit).exclude(file=""):
        job.file.storage.delete(str(job.file.name))
        ExportJob.objects.filter(pk=job.pk).update(file="")
        purged += 1
    return purged
