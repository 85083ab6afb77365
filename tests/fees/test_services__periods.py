"""A period is computed (a draft, computed again at will: the same statements), then issued: its statements
numbered RDV-<year>-<n> without gaps, their lines immutable, each change in the audit trail. Overlapping a
period already issued, or issuing one not yet ended, is refused in French and changes nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum
from django.utils import timezone

from backoffice.core.audit.events import timeline
from backoffice.core.audit.models import AuditEvent
from backoffice.fees.models import FeeKind, FeePeriod, PeriodStatus, Statement, StatementLine, StatementStatus
from backoffice.fees.services import compute_period, freeze_period, mark_paid
from tests.fees.conftest import P1, P2, TODAY, accredited_site, positioned, staff_of

pytestmark = pytest.mark.django_db


def snapshot() -> list[tuple]:
    return sorted(
        StatementLine.objects.values_list(
            "statement__organisation_id", "site_id", "kind", "act_id", "act_part", "quantity", "amount_ttc"
        )
    )


def test_computing_the_same_period_twice_gives_the_same_statements(site_a, staff_a, site_b, staff_b, finance):
    positioned(site_a, staff_a, P1[0] + dt.timedelta(days=1), name="Aubert")
    positioned(site_b, staff_b, P1[0] + dt.timedelta(days=2), name="Berger")
    first = compute_period(*P1, actor=finance)
    statements, lines = sorted(Statement.objects.values_list("pk", "total_ttc")), snapshot()

    again = compute_period(*P1, actor=finance)

    assert again.pk == first.pk and FeePeriod.objects.count() == 1
    assert sorted(Statement.objects.values_list("pk", "total_ttc")) == statements
    assert snapshot() == lines


def test_totals_are_the_sums_of_the_lines(site_a, staff_a, finance):
    for day in range(4):
        positioned(site_a, staff_a, P1[0] + dt.timedelta(days=day), name=f"Dupont{'abcd'[day]}")
    compute_period(*P1, actor=finance)

    statement = Statement.objects.get(organisation=site_a.organisation)
    sums = statement.lines.aggregate(ht=Sum("amount_ht"), vat=Sum("amount_vat"), ttc=Sum("amount_ttc"))
    assert (statement.total_ht, statement.total_vat, statement.total_ttc) == (
        sums["ht"],
        sums["vat"],
        sums["ttc"],
    )
    assert statement.total_ht == Decimal("80.00")


def test_every_organisation_accredited_during_the_period_gets_a_statement_even_without_acts(site_a, finance):
    period = compute_period(*P2, actor=finance)

    statement = Statement.objects.get(period=period, organisation=site_a.organisation)
    assert statement.total_ttc == Decimal("0.00") and not statement.lines.exists()


def test_issuing_numbers_the_statements_without_gaps_and_records_the_events(
    site_a, site_b, finance, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        period = freeze_period(compute_period(*P1, actor=finance), actor=finance)

    assert [c.__qualname__ for c in callbacks] == ["enqueue render_statement_pdfs"]  # the PDFs, by the worker

    year = timezone.localdate().year
    numbers = sorted(Statement.objects.filter(period=period).values_list("number", flat=True))
    assert numbers == [f"RDV-{year}-000001", f"RDV-{year}-000002"]
    assert set(Statement.objects.values_list("status", flat=True)) == {StatementStatus.FROZEN}
    assert period.status == PeriodStatus.FROZEN
    assert [e.verb for e in timeline(period)] == ["fees.period_computed", "fees.period_frozen"]
    statement = Statement.objects.get(number=numbers[0])
    assert [e.verb for e in timeline(statement)] == ["fees.statement_issued"]
    assert timeline(statement).get().actor == finance

    later = freeze_period(compute_period(*P2, actor=finance), actor=finance)
    assert sorted(Statement.objects.filter(period=later).values_list("number", flat=True)) == [
        f"RDV-{year}-000003",
        f"RDV-{year}-000004",
    ]


def test_a_period_overlapping_an_issued_one_is_refused_and_nothing_changes(site_a, staff_a, finance):
    positioned(site_a, staff_a, P1[0] + dt.timedelta(days=3))
    freeze_period(compute_period(*P1, actor=finance), actor=finance)
    before = (snapshot(), FeePeriod.objects.count(), AuditEvent.objects.count())

    with pytest.raises(ValidationError) as refused:
        compute_period(P1[1] - dt.timedelta(days=5), P2[1], actor=finance)

    assert "chevauche" in refused.value.messages[0] and "rien n'a été calculé" in refused.value.messages[0]
    assert (snapshot(), FeePeriod.objects.count(), AuditEvent.objects.count()) == before


def test_computing_an_issued_period_again_changes_nothing(site_a, staff_a, supervisor, finance):
    case_file = positioned(site_a, staff_a, P1[0] + dt.timedelta(days=3))
    period = freeze_period(compute_period(*P1, actor=finance), actor=finance)
    from casefiles.services import undo_step

    undo_step(case_file, "positioning", actor=supervisor)
    before = snapshot()

    assert compute_period(*P1, actor=finance) == period
    assert snapshot() == before


def test_a_draft_overlapping_the_period_computed_is_replaced(site_a, finance):
    compute_period(P1[0], P1[1] + dt.timedelta(days=20), actor=finance)

    period = compute_period(*P1, actor=finance)

    assert list(FeePeriod.objects.all()) == [period]


def test_a_period_not_yet_ended_is_not_issued(site_a, finance):
    period = compute_period(TODAY - dt.timedelta(days=10), TODAY, actor=finance)

    with pytest.raises(ValidationError, match="n'est pas terminée"):
        freeze_period(period, actor=finance)

    period.refresh_from_db()
    assert period.status == PeriodStatus.DRAFT and not Statement.objects.exclude(number="").exists()


def test_a_period_ending_before_it_starts_is_refused(finance):
    with pytest.raises(ValidationError, match="doit suivre sa date de début"):
        compute_period(P1[1], P1[0], actor=finance)
    assert not FeePeriod.objects.exists()


def test_issued_lines_and_statements_are_immutable(site_a, staff_a, finance):
    positioned(site_a, staff_a, P1[0] + dt.timedelta(days=3))
    freeze_period(compute_period(*P1, actor=finance), actor=finance)
    line = StatementLine.objects.get(kind=FeeKind.POSITIONING)
    statement = line.statement

    line.amount_ht = Decimal("1.00")
    with pytest.raises(ValidationError, match="ne se modifient plus"):
        line.save()
    with pytest.raises(ValidationError):
        line.delete()
    statement.total_ht = Decimal("0")
    with pytest.raises(ValidationError):
        statement.save()
    with pytest.raises(ValidationError):
        added = StatementLine(statement=statement, kind=line.kind, certification=line.certification)
        added.act_id, added.act_on, added.label = 1, TODAY, "Ajout"
        added.subject_type, added.subject_id = line.subject_type, 1
        added.save()
    line.refresh_from_db()
    assert line.amount_ht == Decimal("20.00")


def test_finance_marks_an_issued_statement_paid_once(site_a, staff_a, finance):
    positioned(site_a, staff_a, P1[0] + dt.timedelta(days=3))
    period = freeze_period(compute_period(*P1, actor=finance), actor=finance)
    statement = Statement.objects.get(period=period)

    paid = mark_paid(statement, actor=finance)

    assert paid.status == StatementStatus.PAID and paid.paid_at is not None
    assert timeline(statement).filter(verb="fees.statement_paid", actor=finance).exists()
    with pytest.raises(ValidationError, match="déjà marqué comme payé"):
        mark_paid(statement, actor=finance)


def test_an_issued_statement_never_goes_back_to_draft_nor_gets_unpaid(site_a, staff_a, finance):
    positioned(site_a, staff_a, P1[0] + dt.timedelta(days=3))
    statement = Statement.objects.get(period=freeze_period(compute_period(*P1, actor=finance), actor=finance))

    statement.status = StatementStatus.DRAFT
    with pytest.raises(ValidationError, match="ne se modifient plus"):
        statement.save(update_fields=["status"])
    paid = mark_paid(statement, actor=finance)
    paid.status = StatementStatus.FROZEN
    with pytest.raises(ValidationError, match="ne se modifient plus"):
        paid.save(update_fields=["status", "paid_at"])

    assert Statement.objects.get(pk=statement.pk).status == StatementStatus.PAID


def test_a_line_of_an_issued_statement_is_not_moved_onto_a_draft(site_a, staff_a, finance):
    positioned(site_a, staff_a, P1[0] + dt.timedelta(days=3))
    freeze_period(compute_period(*P1, actor=finance), actor=finance)
    line = StatementLine.objects.get(kind=FeeKind.POSITIONING)
    draft = Statement.objects.get(period=compute_period(*P2, actor=finance))

    line.statement = draft
    with pytest.raises(ValidationError, match="ne se modifient plus"):
        line.save()

    assert StatementLine.objects.get(pk=line.pk).statement.is_issued


def test_a_statement_with_nothing_to_pay_is_not_marked_paid(site_a, finance):
    statement = Statement.objects.get(period=freeze_period(compute_period(*P1, actor=finance), actor=finance))
    assert statement.total_ttc == Decimal("0.00")

    with pytest.raises(ValidationError, match="Relevé néant : rien à payer"):
        mark_paid(statement, actor=finance)

    Statement.objects.filter(pk=statement.pk).update(total_ttc=Decimal("-24.00"))  # a credit only
    with pytest.raises(ValidationError, match="Relevé créditeur : rien à payer"):
        mark_paid(statement, actor=finance)
    assert Statement.objects.get(pk=statement.pk).status == StatementStatus.FROZEN
    assert not AuditEvent.objects.filter(verb="fees.statement_paid").exists()


def test_a_draft_is_not_paid_and_only_finance_acts(site_a, officer, finance):
    draft = Statement.objects.get(period=compute_period(*P2, actor=finance))
    with pytest.raises(ValidationError, match="brouillon"):
        mark_paid(draft, actor=finance)
    evaluator = staff_of(site_a.organisation, "evaluatrice.paie")
    for person in (officer, evaluator):
        with pytest.raises(PermissionDenied):
            mark_paid(draft, actor=person)
        with pytest.raises(PermissionDenied):
            compute_period(*P1, actor=person)
    assert FeePeriod.objects.count() == 1


def test_an_organisation_without_any_accreditation_in_the_period_gets_no_statement(finance):
    gone = accredited_site("75", since=P1[0] - dt.timedelta(days=6 * 365))  # expired before the period

    compute_period(*P1, actor=finance)

    assert not Statement.objects.filter(organisation=gone.organisation).exists()
