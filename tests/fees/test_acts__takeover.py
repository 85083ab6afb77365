"""Acts taken over from the old system were billed there, never here; a migration batch still under review
bills nothing, makes no organisation active, and can still be undone after a period is computed."""

from __future__ import annotations

import datetime as dt

import pytest

from backoffice.core.audit.events import recovered
from backoffice.core.legacy.models import BatchStatus, LegacyBatch
from backoffice.fees.models import FeeKind, Statement, StatementLine
from backoffice.fees.services import compute_period
from backoffice.imports.legacy import undo_batch
from tests.factories import OrganisationFactory
from tests.fees.conftest import P1, accredited_site, issued_certificate, positioned

pytestmark = pytest.mark.django_db


def batch_of(finance, status: str = BatchStatus.LIVE) -> LegacyBatch:  # type: ignore[no-untyped-def]
    return LegacyBatch.objects.create(label="Reprise", created_by=finance, status=status)


def test_a_positioning_taken_over_in_a_batch_is_not_billed_but_one_made_here_afterwards_is(
    site_a, staff_a, finance
):
    batch = batch_of(finance)
    on = P1[0] + dt.timedelta(days=10)
    with recovered(on, batch=batch.pk):
        taken_over = positioned(site_a, staff_a, on, name="Reprise")
    in_progress = positioned(site_a, staff_a, on + dt.timedelta(days=5), name="Encours")
    taken_over.__class__.objects.filter(pk__in=[taken_over.pk, in_progress.pk]).update(legacy_batch=batch)

    compute_period(*P1, actor=finance)

    billed = StatementLine.objects.filter(kind=FeeKind.POSITIONING).values_list("subject_id", flat=True)
    assert list(billed) == [in_progress.pk]


def test_a_batch_under_review_bills_nothing_and_can_still_be_undone_after_a_computation(finance):
    batch = batch_of(finance, BatchStatus.OPEN)
    organisation = OrganisationFactory(legacy_batch=batch)
    migrated = accredited_site(organisation=organisation, since=P1[0] + dt.timedelta(days=3))
    type(migrated).objects.filter(pk=migrated.pk).update(legacy_batch=batch)
    migrated.accreditations.update(legacy_batch=batch)

    period = compute_period(*P1, actor=finance)

    assert not Statement.objects.filter(period=period, organisation=organisation).exists()
    assert not StatementLine.objects.filter(kind=FeeKind.SITE).exists()
    counts = undo_batch(batch, actor=finance)
    assert {c.label: c.count for c in counts}["organismes"] == 1
    batch.refresh_from_db()
    assert batch.status == BatchStatus.UNDONE


def test_the_files_of_a_batch_under_review_are_billed_once_it_is_live(site_a, staff_a, finance):
    batch = batch_of(finance, BatchStatus.OPEN)
    file = positioned(site_a, staff_a, P1[0] + dt.timedelta(days=10), name="Ouvert")
    type(file).objects.filter(pk=file.pk).update(legacy_batch=batch)
    issued_certificate(file, P1[0] + dt.timedelta(days=20))

    compute_period(*P1, actor=finance)

    assert not StatementLine.objects.filter(kind__in=[FeeKind.POSITIONING, FeeKind.CERTIFICATE]).exists()
    LegacyBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.LIVE)
    compute_period(*P1, actor=finance)
    assert StatementLine.objects.filter(kind__in=[FeeKind.POSITIONING, FeeKind.CERTIFICATE]).count() == 2


def test_a_batch_declared_live_is_billed_like_everything_else(site_a, staff_a, finance):
    batch = batch_of(finance)
    organisation = OrganisationFactory(legacy_batch=batch)
    accredited_site(organisation=organisation, since=P1[0] - dt.timedelta(days=300))

    period = compute_period(*P1, actor=finance)

    assert Statement.objects.filter(period=period, organisation=organisation).exists()
