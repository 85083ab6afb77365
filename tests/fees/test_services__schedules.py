"""Administrators alone edit the fee schedules, audited; never retroactively (a schedule dated on or before
issued statements, or one that priced them, is refused); a negative amount or a VAT rate out of [0, 100] is
refused with a French message, and nothing changes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accreditation.models import Certification
from backoffice.core.audit.events import timeline
from backoffice.core.audit.models import AuditEvent
from backoffice.fees.models import FeeKind, FeeRate, FeeSchedule
from backoffice.fees.reference import load_fee_schedules
from backoffice.fees.services import compute_period, freeze_period, save_schedule
from tests.fees.conftest import P1, TODAY

pytestmark = pytest.mark.django_db
LATER = TODAY + dt.timedelta(days=30)


def state() -> tuple:
    return (
        sorted(FeeSchedule.objects.values_list("certification__code", "valid_from", "note")),
        sorted(FeeRate.objects.values_list("schedule__valid_from", "kind", "amount_ht", "vat_rate")),
        AuditEvent.objects.count(),
    )


def save(actor, valid_from=LATER, schedule=None, **rates):  # type: ignore[no-untyped-def]
    return save_schedule(
        schedule,
        certification=Certification.objects.get(code="CLEA"),
        valid_from=valid_from,
        note="Barème voté",
        rates={kind: (Decimal(amount), Decimal("20"), False) for kind, amount in rates.items()},
        actor=actor,
    )


def test_the_2019_schedules_are_seeded_to_confirm_and_loading_again_adds_nothing(db):
    rates = {
        (code, kind): amount
        for code, kind, amount in FeeRate.objects.values_list(
            "schedule__certification__code", "kind", "amount_ht"
        )
    }
    assert rates == {
        ("CLEA", FeeKind.POSITIONING): Decimal("20.00"),
        ("CLEA", FeeKind.CERTIFICATE): Decimal("5.00"),
        ("CLEA_NUM", FeeKind.APPLICATION): Decimal("300.00"),
        ("CLEA_NUM", FeeKind.SITE): Decimal("150.00"),
        ("CLEA_NUM", FeeKind.CERTIFICATE): Decimal("10.00"),
    }
    assert set(FeeRate.objects.values_list("to_confirm", "vat_rate")) == {(True, Decimal("20.00"))}
    assert FeeSchedule.objects.filter(certification__code="CLEA_MGT", rates__isnull=True).exists()
    assert load_fee_schedules() == 0


def test_an_administrator_creates_a_schedule_and_the_trail_says_so(administrator):
    created = save(administrator, positioning="22.50", certificate="6")

    assert dict(created.rates.values_list("kind", "amount_ht")) == {
        FeeKind.POSITIONING: Decimal("22.50"),
        FeeKind.CERTIFICATE: Decimal("6.00"),
    }
    event = timeline(created).get()
    assert event.verb == "fees.schedule_created" and event.actor == administrator
    assert "Évaluation préalable 22.50 € HT" in event.summary


def test_a_supervisor_may_not_edit_a_schedule(supervisor):
    before = state()
    with pytest.raises(PermissionDenied):
        save(supervisor, positioning="22.50")
    assert state() == before


@pytest.mark.parametrize(
    ("rates", "message"),
    [
        ({"positioning": "-1"}, "Évaluation préalable : Le montant ne peut pas être négatif."),
        (
            {"certificate": "5", "vat": "100.01"},
            "Certificat délivré : Le taux de TVA doit être compris entre 0 et 100 %.",
        ),
        (
            {"certificate": "5", "vat": "-5"},
            "Certificat délivré : Le taux de TVA doit être compris entre 0 et 100 %.",
        ),
    ],
)
def test_a_negative_amount_or_a_vat_rate_out_of_range_is_refused_and_nothing_changes(
    administrator, rates, message
):
    vat = Decimal(rates.pop("vat", "20"))
    before = state()

    with pytest.raises(ValidationError) as refused:
        save_schedule(
            None,
            certification=Certification.objects.get(code="CLEA"),
            valid_from=LATER,
            rates={kind: (Decimal(amount), vat, False) for kind, amount in rates.items()},
            actor=administrator,
        )

    assert message in refused.value.messages
    assert state() == before


def test_a_schedule_dated_on_or_before_issued_statements_is_refused(administrator, finance):
    freeze_period(compute_period(*P1, actor=finance), actor=finance)
    before = state()

    for day in (P1[1], P1[0] - dt.timedelta(days=1)):
        with pytest.raises(ValidationError) as refused:
            save(administrator, valid_from=day, positioning="30")
        assert f"Des relevés sont émis jusqu'au {P1[1]:%d/%m/%Y}" in refused.value.messages[0]
    assert state() == before
    assert save(administrator, valid_from=TODAY, positioning="30").pk


def test_once_statements_are_issued_a_schedule_dated_in_the_past_is_refused_beside_its_date(
    administrator, finance
):
    freeze_period(compute_period(*P1, actor=finance), actor=finance)
    before = state()

    with pytest.raises(ValidationError) as refused:
        save(administrator, valid_from=TODAY - dt.timedelta(days=1), positioning="30")

    assert "jamais rétroactivement" in refused.value.message_dict["valid_from"][0]
    assert state() == before


def test_once_statements_are_issued_the_rates_of_a_schedule_in_force_no_longer_change(administrator, finance):
    in_force = save(administrator, valid_from=TODAY + dt.timedelta(days=1), positioning="22")
    FeeSchedule.objects.filter(pk=in_force.pk).update(valid_from=TODAY)  # the day has come
    in_force.refresh_from_db()
    freeze_period(compute_period(*P1, actor=finance), actor=finance)
    before = state()

    with pytest.raises(ValidationError) as refused:
        save(administrator, schedule=in_force, valid_from=TODAY, positioning="25")

    assert "ses tarifs et sa date ne se modifient plus" in refused.value.message_dict["valid_from"][0]
    assert state() == before
    assert save(administrator, schedule=in_force, valid_from=TODAY, positioning="22").note == "Barème voté"


def test_before_any_statement_is_issued_the_seeded_schedule_may_be_confirmed(administrator):
    seeded = FeeSchedule.objects.get(certification__code="CLEA")

    confirmed = save(administrator, schedule=seeded, valid_from=seeded.valid_from, positioning="20")

    assert confirmed.rates.get().amount_ht == Decimal("20.00")


def test_a_schedule_that_priced_issued_statements_no_longer_changes(administrator, finance):
    used = FeeSchedule.objects.get(certification__code="CLEA")  # 2019
    freeze_period(compute_period(*P1, actor=finance), actor=finance)
    before = state()

    with pytest.raises(ValidationError, match="ne se modifient plus"):
        save(administrator, valid_from=LATER, schedule=used, positioning="30")

    assert state() == before


def test_a_future_schedule_may_be_changed(administrator):
    planned = save(administrator, positioning="22")

    changed = save(administrator, schedule=planned, valid_from=LATER + dt.timedelta(days=1), positioning="23")

    assert changed.pk == planned.pk and changed.rates.get().amount_ht == Decimal("23.00")
    assert [e.verb for e in timeline(changed)] == ["fees.schedule_created", "fees.schedule_changed"]
