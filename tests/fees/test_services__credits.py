"""Corrections never edit an issued statement: an act undone or revoked after it goes as a credit (« avoir »)
on the next one, with its reason; a certificate reinstated after its credit is billed again; an act recorded
after its period was issued goes on the next statement."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from backoffice.core.audit.events import record, recovered
from backoffice.fees.models import FeeKind, FeePeriod, Statement, StatementLine
from backoffice.fees.services import compute_period, freeze_period
from casefiles.events import CaseFileEvent
from casefiles.services import reinstate_certificate, revoke_certificate, undo_step
from tests.fees.conftest import P1, P2, TODAY, issued_certificate, positioned

pytestmark = pytest.mark.django_db


def issue(period: tuple[dt.date, dt.date], actor) -> FeePeriod:  # type: ignore[no-untyped-def]
    return freeze_period(compute_period(*period, actor=actor), actor=actor)


def statement_of(period: FeePeriod, organisation) -> Statement:  # type: ignore[no-untyped-def]
    return Statement.objects.get(period=period, organisation=organisation)


def test_a_positioning_undone_after_its_statement_goes_as_a_credit_on_the_next_one(
    site_a, staff_a, supervisor, finance
):
    case_file = positioned(site_a, staff_a, P1[0] + dt.timedelta(days=3))
    first = issue(P1, finance)
    charge = StatementLine.objects.get(statement__period=first, kind=FeeKind.POSITIONING)

    undo_step(case_file, "positioning", actor=supervisor)
    second = compute_period(*P2, actor=finance)

    credit = StatementLine.objects.get(statement__period=second, kind=FeeKind.POSITIONING)
    assert credit.quantity == -1 and credit.credit_of == charge
    assert (credit.amount_ht, credit.amount_vat, credit.amount_ttc) == (
        -charge.amount_ht,
        -charge.amount_vat,
        -charge.amount_ttc,
    )
    assert credit.reason == f"Évaluation préalable annulée le {TODAY:%d/%m/%Y}"
    assert credit.label.startswith("Avoir — Évaluation préalable")
    assert statement_of(second, site_a.organisation).total_ht == Decimal("-20.00")
    charge.refresh_from_db()
    assert charge.quantity == 1 and charge.amount_ht == Decimal("20.00")  # the issued line is untouched


def test_a_credits_reason_is_dated_by_the_positioning_undone_not_by_another_step_undone_since(
    site_a, staff_a, supervisor, finance
):
    case_file = positioned(site_a, staff_a, P1[0] + dt.timedelta(days=3))
    issue(P1, finance)
    with recovered(P2[0], batch=None):  # its event dated on that day
        undo_step(case_file, "positioning", actor=supervisor)
    record(  # today, another step of the file undone
        CaseFileEvent.STEP_UNDONE,
        actor=supervisor,
        subject=case_file,
        summary="Annulation du plan de formation.",
        data={"step": "training_plan"},
    )

    second = compute_period(*P2, actor=finance)

    credit = StatementLine.objects.get(statement__period=second, kind=FeeKind.POSITIONING)
    assert credit.reason == f"Évaluation préalable annulée le {P2[0]:%d/%m/%Y}"


def test_a_positioning_undone_before_its_period_is_issued_is_simply_not_billed(
    site_a, staff_a, supervisor, finance
):
    case_file = positioned(site_a, staff_a, P1[0] + dt.timedelta(days=3))
    compute_period(*P1, actor=finance)  # a draft: a preview
    undo_step(case_file, "positioning", actor=supervisor)

    period = issue(P1, finance)

    assert not StatementLine.objects.filter(statement__period=period, kind=FeeKind.POSITIONING).exists()


def test_a_certificate_revoked_is_credited_then_billed_again_once_reinstated(
    site_a, staff_a, supervisor, finance
):
    certificate = issued_certificate(positioned(site_a, staff_a, P1[0]), P1[0] + dt.timedelta(days=5))
    first = issue(P1, finance)
    revoke_certificate(certificate, reason="Fraude constatée", actor=supervisor)

    second = issue((P2[0], P2[0] + dt.timedelta(days=10)), finance)
    credit = StatementLine.objects.get(statement__period=second, kind=FeeKind.CERTIFICATE)
    assert credit.quantity == -1 and credit.credit_of.statement.period == first
    assert (
        credit.reason == f"Certificat retiré le {TODAY:%d/%m/%Y}"
    )  # never the free text: it may name someone
    assert credit.amount_ttc == Decimal("-6.00")

    reinstate_certificate(certificate, reason="Erreur de dossier", actor=supervisor)
    third = compute_period(P2[0] + dt.timedelta(days=11), P2[1], actor=finance)
    again = StatementLine.objects.get(statement__period=third, kind=FeeKind.CERTIFICATE)
    assert again.quantity == 1 and again.amount_ttc == Decimal("6.00") and again.credit_of is None
    assert again.reason == f"Certificat rétabli le {TODAY:%d/%m/%Y}"


def test_a_credit_is_given_once(site_a, staff_a, supervisor, finance):
    case_file = positioned(site_a, staff_a, P1[0] + dt.timedelta(days=3))
    issue(P1, finance)
    undo_step(case_file, "positioning", actor=supervisor)
    issue((P2[0], P2[0] + dt.timedelta(days=10)), finance)

    later = compute_period(P2[0] + dt.timedelta(days=11), P2[1], actor=finance)

    assert not StatementLine.objects.filter(statement__period=later, kind=FeeKind.POSITIONING).exists()


def test_an_act_recorded_after_its_period_was_issued_goes_on_the_next_statement(site_a, staff_a, finance):
    issue(P1, finance)
    late = positioned(site_a, staff_a, P1[1] - dt.timedelta(days=2))  # entered now, dated in P1

    second = compute_period(*P2, actor=finance)

    line = StatementLine.objects.get(statement__period=second, kind=FeeKind.POSITIONING)
    assert line.subject_id == late.pk and line.quantity == 1
    assert line.reason.startswith(f"Acte du {late.positioned_on:%d/%m/%Y} enregistré après l'émission")
