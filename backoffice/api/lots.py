"""Lots: up to `API_SYNC_MAX` items judged and written during the request, row for row as an import; beyond,
the items become an import of the organisation (a CSV made from them), checked and applied by the import
worker with its own services, and the lot's answer per item is kept when it is done (`GET /lots/{id}/`)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from backoffice.core.worker import send_on_commit
from backoffice.imports import services as imports
from backoffice.imports.contracts.base import Row
from backoffice.imports.models import Contract, ImportJob, ImportStatus

from .models import ApiKey, BulkSubmission, LotKind
from .rows import FIRST_LINE, RESULTS, Item, Outcome, as_csv, find_new_files, outcome_of, result_codes

CONTRACTS = {LotKind.CASE_FILES: Contract.CANDIDATES, LotKind.RESULTS: Contract.RESULTS}
RUNNING = "en_cours"
STALE_AFTER = dt.timedelta(minutes=5)


def submit_lot(kind: str, items: list[Item], *, key: ApiKey) -> BulkSubmission:
    """Store the items as the organisation's import and queue it for the worker, once committed."""
    upload = SimpleUploadedFile(
        f"api-{kind}-{key.prefix}-{timezone.now():%Y%m%d-%H%M%S}.csv", as_csv(items), "text/csv"
    )
    job = imports.create_import(
        contract=CONTRACTS[LotKind(kind)], upload=upload, actor=key.service_user, enqueue=False
    )
    lot = BulkSubmission.objects.create(api_key=key, kind=kind, import_job=job, items=len(items))
    from .tasks import run_lot_job

    send_on_commit(run_lot_job.send, lot.pk)
    return lot


def run_lot(lot_id: int) -> None:
    """The import's dry run, its confirmation (invalid items set aside, as « écarter les lignes en erreur »)
    and its apply, as the key's account; then each item's answer. Safe to run twice: the import's steps are
    (a redelivered message finds the job checked or applied), and a lot done is left alone."""
    lot = BulkSubmission.objects.select_related("api_key__service_user").get(pk=lot_id)
    if lot.finished_at is not None:
        return
    rows: dict[int, Row] = {}

    def observe(batch: list[Row]) -> None:
        rows.update((row.line, row) for row in batch)

    imports.check_import(lot.import_job_id, observe=observe)
    job = ImportJob.objects.get(pk=lot.import_job_id)
    try:
        _confirm(job, lot.api_key)
    except (PermissionDenied, ValidationError) as error:
        _finish(lot, rows, failed=" ".join(getattr(error, "messages", [str(error)])))
        return
    job.refresh_from_db()
    if job.status == ImportStatus.APPLYING:
        imports.apply_import(job.pk, observe=observe)
        job.refresh_from_db()
    if job.status in (ImportStatus.REFUSED, ImportStatus.NOT_APPLIED):
        _finish(lot, {}, failed=job.file_error or job.outcome)
    elif job.status in (ImportStatus.APPLIED, ImportStatus.CANCELLED):
        _finish(lot, rows)


def _confirm(job: ImportJob, key: ApiKey) -> None:
    """What the organisation's staff would click: confirm what is valid, or drop a lot with nothing new."""
    if job.status != ImportStatus.VALIDATED:
        return
    if job.new_rows + job.updated_rows == 0:
        imports.cancel_import(job, actor=key.service_user)
    else:
        imports.confirm_import(job, skip_invalid=True, actor=key.service_user, enqueue=False)


def _finish(lot: BulkSubmission, rows: dict[int, Row], *, failed: str = "") -> None:
    """Keep each item's answer (its row's, found by its line), once."""
    outcomes: list[Outcome] = []
    codes = result_codes() if lot.kind == LotKind.RESULTS else {}
    for index in range(lot.items):
        row = rows.get(FIRST_LINE + index)
        if row is None:
            outcomes.append(
                Outcome(index, "", "refuse", [{"champ": "", "message": failed or "élément vide."}])
            )
        else:
            paths = {column: f"resultats.{codes[column]}" for column in row.cells if column in codes}
            outcomes.append(outcome_of(index, Item(row.cells, paths), row))
    if not failed:
        find_new_files(outcomes, [rows.get(FIRST_LINE + o.index) for o in outcomes])
    with transaction.atomic():
        locked = BulkSubmission.objects.select_for_update().get(pk=lot.pk)
        if locked.finished_at is not None:
            return
        locked.results = [outcome.as_json() for outcome in outcomes]
        locked.failure = failed[:1000]
        locked.finished_at = timezone.now()
        locked.save(update_fields=["results", "failure", "finished_at"])


def describe_lot(
    lot: BulkSubmission | None, *, kind: str, outcomes: list[dict[str, Any]], url: str | None
) -> dict[str, Any]:
    """The answer of a lot: its state, totals and the answer of each item (those of a lot still running once
    it is done)."""
    if lot is not None and lot.finished_at is None:
        state, detail = (
            RUNNING,
            "Lot en cours de traitement par le service d'import : interrogez cette adresse.",
        )
    elif lot is not None and lot.failure:
        state, detail = "echoue", f"Lot non traité : {lot.failure}"
    else:
        state, detail = "termine", "Lot traité : voir le résultat de chaque élément."
    counts = Counter(item["resultat"] for item in outcomes)
    return {
        "id": lot.pk if lot is not None else None,
        "type": kind,
        "etat": state,
        "detail": detail,
        "elements": lot.items if lot is not None else len(outcomes),
        "totaux": None if state == RUNNING else {name: counts.get(name, 0) for name in RESULTS.values()},
        "resultats": outcomes,
        "url": url,
    }


def stalled_lots() -> list[int]:
    """Lots not done five minutes after they came (one of 1,000 items takes a few seconds)."""
    since = timezone.now() - STALE_AFTER
    return list(
        BulkSubmission.objects.filter(finished_at__isnull=True, created_at__lt=since).values_list(
            "pk", flat=True
        )
    )
