"""The background worker: the expiry sweep through a real worker, on the configured broker."""

from __future__ import annotations

import datetime as dt

import dramatiq
import pytest
from django.conf import settings
from dramatiq.brokers.stub import StubBroker

from accreditation.models import Accreditation, AccreditationStatus, Department
from accreditation.tasks import expire_accreditations_due
from backoffice.core.audit.models import AuditEvent
from fixtures.reference import load_reference_data
from tests.factories import AccreditationFactory, SiteFactory


@pytest.fixture
def lapsed_accreditation(transactional_db):  # type: ignore[no-untyped-def]
    # Worker threads use their own connections: the rows must be committed.
    load_reference_data()
    today = dt.date.today()
    site = SiteFactory(department=Department.objects.get(code="75"))
    return AccreditationFactory(
        site=site, valid_from=today - dt.timedelta(days=800), valid_to=today - dt.timedelta(days=1)
    )


def _run_on(broker: dramatiq.Broker, times: int) -> None:
    worker = dramatiq.Worker(broker, worker_threads=1, worker_timeout=100)
    worker.start()
    try:
        for _ in range(times):
            expire_accreditations_due.send()
        broker.join(expire_accreditations_due.queue_name, timeout=20_000)
        worker.join()
    finally:
        worker.stop()


def test_worker_expires_lapsed_accreditations_once_even_if_the_message_runs_twice(lapsed_accreditation):
    broker = dramatiq.get_broker()
    _run_on(broker, times=2)

    lapsed_accreditation.refresh_from_db()
    assert lapsed_accreditation.status == AccreditationStatus.EXPIRED
    assert AuditEvent.objects.filter(verb="accreditation.expired").count() == 1
    assert Accreditation.objects.filter(status=AccreditationStatus.EXPIRED).count() == 1


def test_ci_runs_the_worker_on_redis():
    # The test command sets REDIS_URL: the suite proves the real broker, not only the stub.
    if settings.REDIS_URL:
        assert not isinstance(dramatiq.get_broker(), StubBroker)
        assert settings.DRAMATIQ_BROKER["BROKER"] == "dramatiq.brokers.redis.RedisBroker"
    else:
        assert isinstance(dramatiq.get_broker(), StubBroker)
