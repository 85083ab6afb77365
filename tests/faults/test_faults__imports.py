"""A worker killed (SIGKILL) while it applies a bulk import: the apply is one transaction, so nothing of the
file is visible; once the broker hands the message back and the sweeper sends the job again, another worker
imports the file exactly once."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import redis
from django.db import DatabaseError, transaction
from django.utils import timezone

from backoffice.core.audit.models import AuditEvent
from backoffice.imports import services, tasks
from backoffice.imports.models import ImportJob, ImportStatus
from casefiles.models import Candidate, CaseFile
from tests.backoffice.imports_helpers import upload
from tests.faults.harness import (
    a_query_waits_on_a_lock,
    id_held,
    next_id,
    redeliver_messages_of_dead_workers,
    wait_until,
)
from tests.faults.world import HOLDING_CANDIDATE, accredited_evaluator, candidates_file

# The apply writes its rows by batches, in one transaction; it is stopped in its third and last batch.
ROWS = 2 * services.BATCH_ROWS + 500
HELD_ROW = 2 * services.BATCH_ROWS + 100


def _status(job_id: int) -> str:
    return ImportJob.objects.values_list("status", flat=True).get(pk=job_id)


def _apply_progress(cache: redis.Redis, job_id: int) -> int:
    """The apply's progress, as the worker publishes it in the shared cache (Django's key format)."""
    value = cache.get(f":1:import-progress:{job_id}")
    return int(value) if value is not None else 0


def _row_lock_free(job_id: int) -> bool:
    """The killed worker's transaction is over once its row lock on the job is gone."""
    try:
        with transaction.atomic():
            ImportJob.objects.select_for_update(nowait=True).get(pk=job_id)
    except DatabaseError:
        return False
    return True


def test_a_worker_killed_in_the_middle_of_an_apply_leaves_nothing_and_the_import_completes_once(
    start_worker, broker, redis_server
):
    site, evaluator = accredited_evaluator()
    worker = start_worker(threads=2)
    job = services.create_import(
        contract="candidates", upload=upload(candidates_file(site.siret, ROWS)), actor=evaluator
    )  # the dry run is sent on commit
    wait_until(lambda: _status(job.pk) == ImportStatus.VALIDATED, timeout=90, what="la vérification")
    job.refresh_from_db()
    assert job.new_rows == ROWS and job.invalid_rows == 0

    cache = redis.Redis(port=redis_server.port, db=1)
    # A candidate's id of the last batch is held: the apply stops there, in the middle of its transaction.
    with id_held(Candidate, next_id(Candidate) + HELD_ROW - 1, **HOLDING_CANDIDATE):
        services.confirm_import(job, skip_invalid=False, actor=evaluator)  # the apply is sent on commit
        wait_until(a_query_waits_on_a_lock, timeout=60, what="l'application arrêtée dans son dernier lot")
        # The middle of the apply: two batches written in its open transaction, the last one being written.
        assert 0 < _apply_progress(cache, job.pk) < 99
        assert _status(job.pk) == ImportStatus.APPLYING and not _row_lock_free(job.pk)
        worker.kill()

        # Nothing of the file was committed, and the job still waits to be applied.
        assert _status(job.pk) == ImportStatus.APPLYING
        assert CaseFile.objects.count() == 0 and Candidate.objects.count() == 0
    wait_until(lambda: _row_lock_free(job.pk), timeout=30, what="la fin de la transaction du worker tué")
    assert CaseFile.objects.count() == 0 and Candidate.objects.count() == 0

    # The broker hands back the message the dead worker held, and the sweeper, run by the schedule two
    # minutes later, sends the job once more: two deliveries of the same apply.
    redeliver_messages_of_dead_workers(redis_server.url(0))
    later = timezone.now() + services.STALE_AFTER + dt.timedelta(minutes=1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert list(services.stalled_imports()) == [("apply", job.pk)]
        tasks.resume_stalled_imports()
    start_worker(threads=2)
    wait_until(lambda: _status(job.pk) == ImportStatus.APPLIED, timeout=90, what="l'application reprise")
    broker.join(tasks.apply_import_job.queue_name, timeout=60_000)  # every delivery has run

    job.refresh_from_db()
    assert job.new_rows == ROWS and job.rows == ROWS and job.progress == 100
    assert CaseFile.objects.count() == ROWS and Candidate.objects.count() == ROWS
    references = set(CaseFile.objects.values_list("reference", flat=True))
    assert references == {f"PANNE-{n:06d}" for n in range(1, ROWS + 1)}
    assert CaseFile.objects.filter(process__isnull=True).count() == 0
    assert AuditEvent.objects.filter(verb="import.applied").count() == 1
    assert _status(job.pk) == ImportStatus.APPLIED
