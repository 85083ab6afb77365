"""Imports through a real worker on the configured broker (Redis in CI); restarts and redeliveries."""

from __future__ import annotations

import datetime as dt

import dramatiq
import pytest
from django.db import transaction
from django.utils import timezone

from accreditation.models import Department
from accreditation.services import set_user_scope
from backoffice.core.accounts.roles import Role
from backoffice.core.audit.models import AuditEvent
from backoffice.imports import services, tasks
from backoffice.imports.models import ImportJob, ImportStatus
from casefiles.models import CaseFile
from fixtures.reference import load_reference_data
from tests.backoffice.imports_helpers import candidate_row, csv_bytes, upload
from tests.factories import AccreditationFactory, SiteFactory, UserFactory


def _run_worker_until_idle(broker: dramatiq.Broker) -> None:
    worker = dramatiq.Worker(broker, worker_threads=2, worker_timeout=100)
    worker.start()
    try:
        broker.join(tasks.check_import_job.queue_name, timeout=60_000)
        worker.join()
    finally:
        worker.stop()


@pytest.fixture
def committed_world(transactional_db):  # type: ignore[no-untyped-def]
    # Worker threads use their own connections: the rows must be committed.
    load_reference_data()
    site = SiteFactory(department=Department.objects.get(code="93"))
    AccreditationFactory(site=site)
    user = UserFactory(username="evaluator.worker", role=Role.EVALUATOR_STAFF)
    set_user_scope(user, organisation=site.organisation, actor=None)
    return site, user


def test_an_import_runs_through_the_worker_and_a_redelivered_apply_imports_once(committed_world):
    site, user = committed_world
    today = f"{timezone.localdate():%d/%m/%Y}"
    content = csv_bytes(
        [candidate_row(site.siret, f"W-{n}", nom=f"Nom{'x' * n}", date_accueil=today) for n in range(1, 31)]
    )
    broker = dramatiq.get_broker()

    job = services.create_import(contract="candidates", upload=upload(content), actor=user)  # sent on commit
    _run_worker_until_idle(broker)
    job.refresh_from_db()
    assert job.status == ImportStatus.VALIDATED and job.new_rows == 30

    services.confirm_import(job, skip_invalid=False, actor=user)  # sent on commit
    tasks.apply_import_job.send(job.pk)  # the same message delivered twice
    _run_worker_until_idle(broker)

    job.refresh_from_db()
    assert job.status == ImportStatus.APPLIED
    assert CaseFile.objects.count() == 30 and CaseFile.objects.filter(process__isnull=True).count() == 0
    assert AuditEvent.objects.filter(verb="import.applied").count() == 1


def test_a_check_whose_worker_died_is_taken_over_and_a_live_one_is_left_alone(committed_world):
    site, user = committed_world
    with transaction.atomic():
        job = services.create_import(
            contract="candidates",
            upload=upload(csv_bytes([candidate_row(site.siret, date_accueil="01/01/2026")])),
            actor=user,
        )
    ImportJob.objects.filter(pk=job.pk).update(claimed_by="worker-alive", heartbeat_at=timezone.now())

    services.check_import(job.pk)  # a redelivery while the first worker still beats: nothing
    assert ImportJob.objects.get(pk=job.pk).status == ImportStatus.VALIDATING

    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - dt.timedelta(minutes=10))
    assert ("validate", job.pk) in list(services.stalled_imports())
    services.check_import(job.pk)  # the worker died: the check restarts from scratch
    job.refresh_from_db()
    assert job.status == ImportStatus.VALIDATED and job.rows == 1 and job.claimed_by != "worker-alive"
