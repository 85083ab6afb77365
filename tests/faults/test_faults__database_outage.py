"""PostgreSQL unreachable for three seconds (a proxy between the worker and the database is cut, then
restored) while a worker applies an import: the apply's transaction is lost, the message is retried, and
the file is imported exactly once."""

from __future__ import annotations

import time

import pytest
import redis
from django.db import connection

from backoffice.audit.models import AuditEvent
from backoffice.imports import services
from backoffice.imports.models import ImportJob, ImportStatus
from casefiles.models import Candidate, CaseFile
from tests.backoffice.imports_helpers import upload
from tests.faults.harness import TcpProxy, database_url, wait_until
from tests.faults.world import accredited_evaluator, candidates_file

ROWS = 1500
OUTAGE_S = 3.0


@pytest.fixture
def proxy(transactional_db):  # type: ignore[no-untyped-def]
    params = connection.settings_dict
    proxy = TcpProxy((params["HOST"] or "127.0.0.1", int(params["PORT"] or 5432)))
    try:
        yield proxy
    finally:
        proxy.close()


def _status(job_id: int) -> str:
    return ImportJob.objects.values_list("status", flat=True).get(pk=job_id)


def test_an_apply_cut_off_from_the_database_is_retried_and_imports_the_file_once(
    start_worker, broker, redis_server, proxy
):
    site, evaluator = accredited_evaluator()
    through_proxy = database_url({**connection.settings_dict, "HOST": "127.0.0.1", "PORT": str(proxy.port)})
    start_worker(threads=2, DATABASE_URL=through_proxy)
    job = services.create_import(
        contract="candidates", upload=upload(candidates_file(site.siret, ROWS)), actor=evaluator
    )
    wait_until(lambda: _status(job.pk) == ImportStatus.VALIDATED, timeout=90, what="la vérification")
    services.confirm_import(job, skip_invalid=False, actor=evaluator)
    cache = redis.Redis(port=redis_server.port, db=1)
    wait_until(
        lambda: int(cache.get(f":1:import-progress:{job.pk}") or 0) >= 10, timeout=60, what="l'application"
    )

    proxy.cut()
    time.sleep(OUTAGE_S)  # the outage itself: its length is the point of the test
    assert _status(job.pk) == ImportStatus.APPLYING and CaseFile.objects.count() == 0
    proxy.restore()

    # Retried by Dramatiq after its back-off (15 to 30 s for the first retry).
    wait_until(lambda: _status(job.pk) == ImportStatus.APPLIED, timeout=90, what="l'application reprise")
    assert CaseFile.objects.count() == ROWS and Candidate.objects.count() == ROWS
    assert len(set(CaseFile.objects.values_list("reference", flat=True))) == ROWS
    assert AuditEvent.objects.filter(verb="import.applied").count() == 1
