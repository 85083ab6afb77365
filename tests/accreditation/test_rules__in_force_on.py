"""An accreditation is judged as it stood on the day of the act: its validity period and its status that day,
read from the dated status changes every lifecycle service writes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Exists, OuterRef

from accreditation.models import (
    Accreditation,
    AccreditationRole,
    AccreditationStatus,
    AccreditationStatusChange,
    Certification,
    Site,
)
from accreditation.selectors import accredited_on, accredited_scopes_on, accredited_throughout
from accreditation.services import (
    expire_accreditations,
    grant_accreditation,
    reinstate_accreditation,
    suspend_accreditation,
    withdraw_accreditation,
)
from backoffice.core.audit.models import AuditEvent
from tests.factories import AccreditationFactory, SiteFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date.today()
DAY = dt.timedelta(days=1)
EVALUATOR = AccreditationRole.EVALUATOR


def _history(accreditation: Accreditation) -> list[tuple[str, dt.date]]:
    return list(
        accreditation.status_changes.order_by("effective_on", "pk").values_list("status", "effective_on")
    )


@pytest.fixture
def clea(db) -> Certification:  # type: ignore[no-untyped-def]
    return Certification.objects.get(code="CLEA")


@pytest.fixture
def granted(supervisor, clea):  # type: ignore[no-untyped-def]
    return grant_accreditation(
        SiteFactory(), certification=clea, role=EVALUATOR, valid_from=TODAY - 300 * DAY, actor=supervisor
    )


def test_granting_records_the_accreditation_active_from_the_start_of_its_validity(granted, supervisor):
    change = AccreditationStatusChange.objects.get(accreditation=granted)

    assert (change.status, change.effective_on, change.recorded_by) == (
        "active",
        TODAY - 300 * DAY,
        supervisor,
    )
    assert AuditEvent.objects.filter(verb="accreditation.granted", subject_id=str(granted.pk)).exists()


def test_each_status_change_is_dated_with_its_reason_and_author(granted, supervisor):
    suspend_accreditation(granted, reason="Contrôle qualité", actor=supervisor)
    reinstate_accreditation(granted, reason="Contrôle levé", actor=supervisor)
    withdraw_accreditation(granted, reason="Cessation d'activité", actor=supervisor)

    assert _history(granted) == [
        ("active", TODAY - 300 * DAY),
        ("suspended", TODAY),
        ("active", TODAY),
        ("withdrawn", TODAY),
    ]
    last = granted.status_changes.order_by("-pk").first()
    assert (last.reason, last.recorded_by) == ("Cessation d'activité", supervisor)
    verbs = AuditEvent.objects.filter(subject_id=str(granted.pk)).values_list("verb", flat=True)
    assert {"accreditation.suspended", "accreditation.reinstated", "accreditation.withdrawn"} <= set(verbs)


def test_a_suspension_from_a_day_blocks_that_day_and_after_but_not_before(granted, supervisor):
    suspend_accreditation(granted, reason="Contrôle qualité", actor=supervisor)

    in_force = Accreditation.objects.filter(pk=granted.pk)
    assert in_force.in_force(TODAY - DAY).exists()
    assert not in_force.in_force(TODAY).exists()
    assert not in_force.in_force().exists()  # without a date: today


def test_a_lifted_suspension_leaves_only_its_own_days_blocked(granted, supervisor, clea):
    suspend_accreditation(granted, reason="Contrôle qualité", actor=supervisor)
    # As if the suspension had been decided ten days ago and lifted three days ago.
    granted.status_changes.filter(status="suspended").update(effective_on=TODAY - 10 * DAY)
    reinstate_accreditation(granted, reason="Contrôle levé", actor=supervisor)
    granted.status_changes.filter(status="active", effective_on=TODAY).update(effective_on=TODAY - 3 * DAY)
    Accreditation.objects.filter(pk=granted.pk).update(status_changed_on=TODAY - 3 * DAY)

    site = granted.site
    assert accredited_on(site, clea, EVALUATOR, TODAY - 11 * DAY)
    assert not accredited_on(site, clea, EVALUATOR, TODAY - 10 * DAY)
    assert not accredited_on(site, clea, EVALUATOR, TODAY - 4 * DAY)
    assert accredited_on(site, clea, EVALUATOR, TODAY - 3 * DAY)


def test_an_expiry_never_invalidates_the_days_of_the_validity_period(supervisor, clea):
    ended = grant_accreditation(
        SiteFactory(),
        certification=clea,
        role=EVALUATOR,
        valid_from=TODAY - 400 * DAY,
        valid_to=TODAY - 5 * DAY,
        actor=supervisor,
    )

    assert expire_accreditations(today=TODAY) == 1

    ended.refresh_from_db()
    assert ended.status == AccreditationStatus.EXPIRED
    assert _history(ended)[-1] == ("expired", TODAY)
    assert accredited_on(ended.site, clea, EVALUATOR, TODAY - 5 * DAY)
    assert not accredited_on(ended.site, clea, EVALUATOR, TODAY - 4 * DAY)


def test_an_accreditation_without_recorded_history_reads_its_current_status_from_the_day_it_was_set(clea):
    # Rows granted before the history was kept (the data migration rebuilds theirs) or outside the services.
    accreditation = AccreditationFactory(
        status=AccreditationStatus.SUSPENDED, status_changed_on=TODAY - 7 * DAY
    )

    assert accredited_on(accreditation.site, clea, EVALUATOR, TODAY - 8 * DAY)
    assert not accredited_on(accreditation.site, clea, EVALUATOR, TODAY - 7 * DAY)


def test_the_rule_is_one_sql_query_usable_inside_a_selector(
    granted, supervisor, clea, django_assert_num_queries
):
    suspend_accreditation(granted, reason="Contrôle qualité", actor=supervisor)
    other = AccreditationFactory()
    accredited = Accreditation.objects.in_force(TODAY - DAY).filter(role=EVALUATOR, site=OuterRef("pk"))

    with django_assert_num_queries(1):
        yesterday = set(Site.objects.filter(Exists(accredited)).values_list("pk", flat=True))
    with django_assert_num_queries(1):
        by_day = accredited_scopes_on([TODAY - DAY, TODAY], role=EVALUATOR)

    assert {granted.site_id, other.site_id} <= yesterday
    assert (granted.site_id, clea.pk) in by_day[TODAY - DAY]
    assert (granted.site_id, clea.pk) not in by_day[TODAY]
    assert (other.site_id, clea.pk) in by_day[TODAY]


def test_consecutive_renewals_cover_a_period_and_a_gap_does_not(supervisor, clea):
    site = SiteFactory()
    for start, end in (
        (dt.date(2020, 1, 1), dt.date(2022, 12, 31)),
        (dt.date(2023, 1, 1), dt.date(2025, 12, 31)),
    ):
        grant_accreditation(
            site,
            certification=clea,
            role=AccreditationRole.TRAINER,
            valid_from=start,
            valid_to=end,
            actor=supervisor,
        )
    later = dt.date(2026, 2, 1)
    grant_accreditation(
        site,
        certification=clea,
        role=AccreditationRole.TRAINER,
        valid_from=later,
        valid_to=dt.date(2028, 12, 31),
        actor=supervisor,
    )
    trainer = AccreditationRole.TRAINER

    assert accredited_throughout(site, clea, trainer, dt.date(2022, 11, 1), dt.date(2023, 2, 1))
    assert not accredited_throughout(site, clea, trainer, dt.date(2025, 12, 1), dt.date(2026, 2, 15))
    assert not accredited_throughout(site, clea, EVALUATOR, dt.date(2022, 11, 1), dt.date(2022, 11, 2))


def test_the_admin_shows_the_dated_history_read_only(client_for, administrator, granted, supervisor):
    suspend_accreditation(granted, reason="Contrôle qualité", actor=supervisor)

    page = client_for(administrator).get(f"/admin/accreditation/accreditation/{granted.pk}/change/")

    content = page.content.decode()
    assert page.status_code == 200
    assert "Contrôle qualité" in content and "Suspendue" in content
    assert "status_changes-0-effective_on" not in content  # shown, never edited
