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
from django.dispatch import receiver
from django.utils import timezone

from backoffice.core.worker import send_on_commit
from backoffice.imports import services as imports
from backoffice.imports.contracts.base import INVALID, NEW, UPDATED, Row
from backoffice.imports.models import Contract, ImportJob, ImportStatus
from backoffice.imports.signals import import_applied, rows_applied

from .models import ApiKey, BulkSubmission, LotKind
from .rows import (
    EMPTY,
    FIRST_LINE,
    RESULTS,
    Item,
    Outcome,
    as_csv,
    find_new_files,
    outcome_of,
    result_codes,
    same_fields,
)

CONTRACTS = {LotKind.CASE_FILES: Contract.CANDIDATES, LotKind.RESULTS: Contract.RESULTS}
RUNNING = "en_cours"
STALE_AFTER = dt.timedelta(minutes=5)
GIVE_UP_AFTER = dt.timedelta(hours=2)  # a lot not done by then is told failed (one of 1,000 takes seconds)
REVOKED = "la clé qui l'a envoyé a été révoquée avant son traitement : rien n'a été enregistré."
GAVE_UP = (
    "le service d'import n'a pas pu le traiter : renvoyez-le "
    "(ce qui était déjà enregistré sera « inchangé »)."
)


def submit_lot(kind: str, items: list[Item], *, key: ApiKey) -> BulkSubmission:
    """Store the items as the organisation's import and queue it for the worker, once committed. The items
    refused already (an unknown result code) keep their answer on the lot; the others make the file, one
    header for all: a candidates lot sends the same fields in every item (an absent field would clear it);
    in a results lot an absent verdict or plan field is the empty cell it becomes."""
    if kind == LotKind.CASE_FILES:
        same_fields(items)
    upload = SimpleUploadedFile(
        f"api-{kind}-{key.prefix}-{timezone.now():%Y%m%d-%H%M%S}.csv", as_csv(items), "text/csv"
    )
    job = imports.create_import(
        contract=CONTRACTS[LotKind(kind)], upload=upload, actor=key.service_user, enqueue=False
    )
    refused = [
        Outcome(index, item.cells.get("reference", ""), "refuse", item.errors).as_json()
        for index, item in enumerate(items)
        if item.errors
    ]
    lot = BulkSubmission.objects.create(
        api_key=key,
        kind=kind,
        import_job=job,
        items=len(items),
        set_aside=[entry["index"] for entry in refused],
        results=refused,
    )
    from .tasks import run_lot_job

    send_on_commit(run_lot_job.send, lot.pk)
    return lot


def run_lot(lot_id: int) -> None:
    """The import's dry run, its confirmation (invalid items set aside, as « écarter les lignes en erreur »)
    and its apply, as the key's account; each item's answer is kept in the apply's transaction
    (`keep_applied_rows`), or with the import's abandonment when nothing is new. Safe to run twice: the
    import's steps are (a redelivered message finds the job checked or applied), and a lot done is left
    alone."""
    lot = BulkSubmission.objects.select_related("api_key__service_user", "import_job").get(pk=lot_id)
    if lot.finished_at is not None:
        return
    rows: dict[int, Row] = {}

    def observe(batch: list[Row]) -> None:
        rows.update((row.line, row) for row in batch)

    imports.check_import(lot.import_job_id, observe=observe)
    job = ImportJob.objects.get(pk=lot.import_job_id)
    if job.status == ImportStatus.VALIDATED and lot.api_key.is_revoked:
        _drop(lot, failed=REVOKED)
        return
    if job.status == ImportStatus.VALIDATED and job.new_rows + job.updated_rows == 0:
        if not rows:  # checked by an earlier delivery: judged again (nothing is written)
            observe(_changed_since_checked(imports.judged_rows(job)))
        _drop(lot, rows)
        return
    if job.status == ImportStatus.VALIDATED and not _confirm(lot, job):
        return
    job.refresh_from_db()
    if job.status == ImportStatus.APPLYING:
        imports.apply_import(job.pk)
        job.refresh_from_db()
    if job.status in (ImportStatus.REFUSED, ImportStatus.NOT_APPLIED):
        _finish(lot, {}, failed=job.file_error or job.outcome)
    elif job.status == ImportStatus.CANCELLED:
        _finish(lot, {}, failed="son import a été abandonné dans le back-office.")


def _changed_since_checked(rows: list[Row]) -> list[Row]:
    """Rows judged again after a check that found nothing to write: one that is new or changed now (someone
    changed the file in between) is not written by this import: it is refused, to be sent again."""
    for row in rows:
        if row.action in (NEW, UPDATED):
            row.action = INVALID
            row.errors.append(
                ("", "le dossier a changé depuis la vérification du lot : renvoyez cet élément.")
            )
    return rows


def _confirm(lot: BulkSubmission, job: ImportJob) -> bool:
    """Confirm the import (invalid rows set aside), unless the lot was ended meanwhile (given up): under the
    lot's lock, which giving up takes too. False when the lot is answered already."""
    with transaction.atomic():
        locked = BulkSubmission.objects.select_for_update().get(pk=lot.pk)
        if locked.finished_at is not None:
            return False
        try:
            imports.confirm_import(job, skip_invalid=True, actor=lot.api_key.service_user, enqueue=False)
        except (PermissionDenied, ValidationError) as error:
            _finish(lot, {}, failed=" ".join(getattr(error, "messages", [str(error)])))
            return False
    return True


def _drop(lot: BulkSubmission, rows: dict[int, Row] | None = None, *, failed: str = "") -> None:
    """Nothing to write: the import abandoned and the lot answered, together. A revoked key's account may no
    longer act: its import stays « vérifié » (never applied by the API; the organisation's staff see it)."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=lot.import_job_id)
        if job.status == ImportStatus.VALIDATED and not lot.api_key.is_revoked:
            imports.cancel_import(job, actor=lot.api_key.service_user)
        _finish(lot, rows or {}, failed=failed)


@receiver(rows_applied, sender=ImportJob, dispatch_uid="api-lot-rows")
def keep_applied_rows(sender: Any, job: ImportJob, rows: list[Row], **kwargs: Any) -> None:
    """A batch of a lot's import written: each item's answer kept on the lot, in the same transaction."""
    lot = BulkSubmission.objects.select_for_update().filter(import_job=job, finished_at__isnull=True).first()
    if lot is None:
        return
    indexes = _indexes(lot)
    done = {entry["index"] for entry in lot.results}
    found = [_answer(lot, indexes[row.line - FIRST_LINE], row) for row in rows]
    find_new_files(found, rows)
    lot.results = [*lot.results, *(o.as_json() for o in found if o.index not in done)]
    lot.save(update_fields=["results"])


@receiver(import_applied, sender=ImportJob, dispatch_uid="api-lot-applied")
def finish_applied_lot(sender: Any, job: ImportJob, **kwargs: Any) -> None:
    """A lot's import applied: the lot is done, in the same transaction (a worker that dies after it leaves
    nothing to redo)."""
    lot = BulkSubmission.objects.filter(import_job=job, finished_at__isnull=True).first()
    if lot is not None:
        _finish(lot, {})


def _indexes(lot: BulkSubmission) -> list[int]:
    """The item of each line of the lot's file: the items refused before it was made are not in it."""
    set_aside = set(lot.set_aside)
    return [index for index in range(lot.items) if index not in set_aside]


def _answer(lot: BulkSubmission, index: int, row: Row) -> Outcome:
    codes = result_codes() if lot.kind == LotKind.RESULTS else {}
    paths = {column: f"resultats.{codes[column]}" for column in row.cells if column in codes}
    return outcome_of(index, Item(row.cells, paths), row)


def _finish(lot: BulkSubmission, rows: dict[int, Row], *, failed: str = "") -> None:
    """Keep each item's answer — those kept already, then those of `rows` (found by their line), the rest
    refused (an empty item, or the lot's failure) — once."""
    with transaction.atomic():
        locked = BulkSubmission.objects.select_for_update().get(pk=lot.pk)
        if locked.finished_at is not None:
            return
        kept = {entry["index"]: entry for entry in locked.results}
        pairs = [
            (index, rows[FIRST_LINE + line])
            for line, index in enumerate(_indexes(locked))
            if index not in kept and FIRST_LINE + line in rows
        ]
        found = [_answer(locked, index, row) for index, row in pairs]
        find_new_files(found, [row for _, row in pairs])
        kept.update((o.index, o.as_json()) for o in found)
        missing = [{"champ": "", "message": failed}] if failed else EMPTY
        locked.results = [
            kept.get(index) or Outcome(index, "", "refuse", missing).as_json()
            for index in range(locked.items)
        ]
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
    """Lots not done five minutes after they came (one of 1,000 items takes a few seconds), to send again;
    those not done after `GIVE_UP_AFTER` are told failed instead — unless their import is being applied (all
    or nothing: its answer is kept when it ends, the import worker resumes it)."""
    now = timezone.now()
    waiting = BulkSubmission.objects.filter(finished_at__isnull=True, created_at__lt=now - STALE_AFTER)
    for lot_id in waiting.filter(created_at__lt=now - GIVE_UP_AFTER).values_list("pk", flat=True):
        _give_up(lot_id)
    return list(waiting.values_list("pk", flat=True))


def _give_up(lot_id: int) -> None:
    """Under the lot's lock (as its confirmation): its import abandoned if not confirmed, the lot failed; a
    lot whose import is being applied is left to it."""
    with transaction.atomic():
        lot = (
            BulkSubmission.objects.select_for_update().select_related("api_key__service_user").get(pk=lot_id)
        )
        job = ImportJob.objects.select_for_update().get(pk=lot.import_job_id)
        if lot.finished_at is not None or job.status == ImportStatus.APPLYING:
            return
        if job.status == ImportStatus.VALIDATED and not lot.api_key.is_revoked:
            imports.cancel_import(job, actor=lot.api_key.service_user)
        _finish(lot, {}, failed=GAVE_UP)
