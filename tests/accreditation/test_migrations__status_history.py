"""Data migration 0008: the status history of the accreditations granted before it was kept is replayed from
their audit events, so that a suspension lifted before the migration still blocks its own days; an
accreditation without events is active from its start, then in its current status from the day it was set."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from accreditation.models import Accreditation, AccreditationRole, AccreditationStatus, Certification
from accreditation.selectors import accredited_on
from accreditation.services import grant_accreditation, reinstate_accreditation, suspend_accreditation
from backoffice.core.audit.models import AuditEvent
from tests.factories import AccreditationFactory, SiteFactory

pytestmark = pytest.mark.django_db

BEFORE = [("accreditation", "0007_accreditation_status_changes")]
TODAY = dt.date.today()
DAY = dt.timedelta(days=1)
EVALUATOR = AccreditationRole.EVALUATOR


def _migrate(targets):  # type: ignore[no-untyped-def]
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _leaves():  # type: ignore[no-untyped-def]
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def _migrated_without_history() -> None:
    """Back to before the history was kept (no dated change recorded), then forward: 0008 rebuilds it."""
    leaves = _leaves()
    with connection.cursor() as cursor:  # the rows written below are checked as they come, not at the end
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    old = _migrate(BEFORE)
    old.get_model("accreditation", "AccreditationStatusChange").objects.all().delete()
    _migrate(leaves)


def _history(accreditation: Accreditation) -> list[tuple[str, dt.date]]:
    return list(
        Accreditation.objects.get(pk=accreditation.pk)
        .status_changes.order_by("effective_on", "recorded_at", "pk")
        .values_list("status", "effective_on")
    )


@pytest.fixture
def clea(db) -> Certification:  # type: ignore[no-untyped-def]
    return Certification.objects.get(code="CLEA")


def test_a_suspension_lifted_before_the_migration_still_blocks_its_own_days(supervisor, clea, monkeypatch):
    accreditation = grant_accreditation(
        SiteFactory(), certification=clea, role=EVALUATOR, valid_from=TODAY - 300 * DAY, actor=supervisor
    )
    with monkeypatch.context() as clock:  # suspended ten days ago, reinstated three days ago
        clock.setattr(timezone, "localdate", lambda *args: TODAY - 10 * DAY)
        suspend_accreditation(accreditation, reason="Contrôle qualité", actor=supervisor)
        clock.setattr(timezone, "localdate", lambda *args: TODAY - 3 * DAY)
        reinstate_accreditation(accreditation, reason="Contrôle levé", actor=supervisor)
    verbs = AuditEvent.objects.filter(subject_id=str(accreditation.pk)).values_list("verb", flat=True)
    assert {"accreditation.granted", "accreditation.suspended", "accreditation.reinstated"} <= set(verbs)

    _migrated_without_history()

    assert _history(accreditation) == [
        ("active", TODAY - 300 * DAY),
        ("suspended", TODAY - 10 * DAY),
        ("active", TODAY - 3 * DAY),
    ]
    suspension = Accreditation.objects.get(pk=accreditation.pk).status_changes.get(status="suspended")
    assert (suspension.reason, suspension.recorded_by) == ("Contrôle qualité", supervisor)
    site = accreditation.site
    assert accredited_on(site, clea, EVALUATOR, TODAY - 11 * DAY)
    assert not accredited_on(site, clea, EVALUATOR, TODAY - 10 * DAY)
    assert not accredited_on(site, clea, EVALUATOR, TODAY - 4 * DAY)
    assert accredited_on(site, clea, EVALUATOR, TODAY - 3 * DAY)
    assert accredited_on(site, clea, EVALUATOR, TODAY)


def test_an_accreditation_without_events_is_active_from_its_start_then_in_its_current_status(clea):
    suspended = AccreditationFactory(
        certification=clea,
        role=EVALUATOR,
        valid_from=TODAY - 300 * DAY,
        valid_to=TODAY + 300 * DAY,
        status=AccreditationStatus.SUSPENDED,
        status_changed_on=TODAY - 5 * DAY,
        status_reason="Contrôle qualité",
    )
    assert not AuditEvent.objects.filter(subject_id=str(suspended.pk), verb__startswith="accreditation.")

    _migrated_without_history()

    assert _history(suspended) == [("active", TODAY - 300 * DAY), ("suspended", TODAY - 5 * DAY)]
    assert accredited_on(suspended.site, clea, EVALUATOR, TODAY - 6 * DAY)
    assert not accredited_on(suspended.site, clea, EVALUATOR, TODAY - 5 * DAY)
