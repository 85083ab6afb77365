"""The accounting file is balanced entries: per statement, one row per account and side — the customer (411)
debited TTC, each sales account (706x) credited HT, the VAT (44571) credited — swapped for a credit, amounts
positive, acts « non tarifés » left out; the debits equal the credits of every statement."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.conf import settings
from hypothesis import given
from hypothesis import strategies as st

from backoffice.fees.accounting import CREDIT, DEBIT, Entry, PricedLine, period_rows, statement_entries
from backoffice.fees.models import FeeKind, Statement
from backoffice.fees.rules import line_amounts
from backoffice.fees.services import compute_period, freeze_period
from casefiles.services import undo_step
from tests.fees.conftest import P1, P2, accredited_site, positioned

ACCOUNTS = {
    "customer": "411000",
    "vat": "445710",
    "application": "706100",
    "site": "706200",
    "positioning": "706300",
    "certificate": "706400",
    "duplicate": "706500",
}


def priced(kind: str, unit_price: str, vat_rate: str = "20", quantity: int = 1) -> PricedLine:
    amounts = line_amounts(Decimal(unit_price), Decimal(vat_rate), quantity)
    return PricedLine(kind, amounts.ht, amounts.vat, amounts.ttc)


def balance(entries: list[Entry]) -> tuple[Decimal, Decimal]:
    debit = sum((e.amount for e in entries if e.side == DEBIT), Decimal("0.00"))
    credit = sum((e.amount for e in entries if e.side == CREDIT), Decimal("0.00"))
    return debit, credit


def test_a_charge_debits_the_customer_ttc_and_credits_sales_ht_and_vat():
    entries = statement_entries([priced("positioning", "20.00")], ACCOUNTS)

    assert entries == [
        Entry("411000", DEBIT, Decimal("24.00")),
        Entry("706300", CREDIT, Decimal("20.00")),
        Entry("445710", CREDIT, Decimal("4.00")),
    ]


def test_a_credit_swaps_the_sides_with_positive_amounts():
    entries = statement_entries([priced("certificate", "5.00", quantity=-1)], ACCOUNTS)

    assert entries == [
        Entry("411000", CREDIT, Decimal("6.00")),
        Entry("706400", DEBIT, Decimal("5.00")),
        Entry("445710", DEBIT, Decimal("1.00")),
    ]


def test_charges_and_credits_of_one_statement_are_summed_per_account_and_side():
    lines = [
        priced("positioning", "20.00"),
        priced("positioning", "20.00"),
        priced("certificate", "5.00"),
        priced("positioning", "20.00", quantity=-1),
        priced("site", "150.00", vat_rate="0"),  # no VAT: no VAT movement
    ]

    entries = statement_entries(lines, ACCOUNTS)

    assert entries == [
        Entry("411000", DEBIT, Decimal("204.00")),
        Entry("411000", CREDIT, Decimal("24.00")),
        Entry("706200", CREDIT, Decimal("150.00")),
        Entry("706300", DEBIT, Decimal("20.00")),
        Entry("706300", CREDIT, Decimal("40.00")),
        Entry("706400", CREDIT, Decimal("5.00")),
        Entry("445710", DEBIT, Decimal("4.00")),
        Entry("445710", CREDIT, Decimal("9.00")),
    ]
    assert balance(entries) == (Decimal("228.00"), Decimal("228.00"))


def test_a_statement_without_a_priced_line_has_no_entry():
    assert statement_entries([], ACCOUNTS) == []


prices = st.decimals(min_value=Decimal("0"), max_value=Decimal("9999999.99"), places=2)
vat_rates = st.sampled_from(["0", "2.1", "5.5", "10", "20", "33.33"])
kinds = st.sampled_from([kind.value for kind in FeeKind])


@given(st.lists(st.tuples(kinds, prices, vat_rates, st.sampled_from([1, -1])), max_size=40))
def test_every_statement_entry_balances_with_positive_amounts_one_row_per_account_and_side(lines):
    given_lines = [priced(kind, str(price), rate, quantity) for kind, price, rate, quantity in lines]

    entries = statement_entries(given_lines, ACCOUNTS)

    debit, credit = balance(entries)
    assert debit == credit
    assert all(entry.amount > 0 for entry in entries)
    keys = [(entry.account, entry.side) for entry in entries]
    assert len(keys) == len(set(keys))
    net_customer = sum((e.amount if e.side == DEBIT else -e.amount) for e in entries if e.account == "411000")
    assert net_customer == sum((line.ttc for line in given_lines), Decimal("0.00"))


@pytest.mark.django_db
def test_a_credit_note_statement_is_an_entry_the_other_way_round(site_a, staff_a, supervisor, finance):
    case_file = positioned(site_a, staff_a, P1[0] + dt.timedelta(days=3))
    freeze_period(compute_period(*P1, actor=finance), actor=finance)
    undo_step(case_file, "positioning", actor=supervisor)
    second = freeze_period(compute_period(*P2, actor=finance), actor=finance)
    credit_note = Statement.objects.get(period=second)
    assert credit_note.total_ttc == Decimal("-24.00") and credit_note.unpriced == 0

    rows = list(period_rows(second))

    codes = settings.FEES_ACCOUNT_CODES
    assert [(row[7], row[9], row[10]) for row in rows] == [
        (codes["customer"], "", "24,00"),
        (codes["positioning"], "20,00", ""),
        (codes["vat"], "4,00", ""),
    ]
    assert all(str(row[8]).startswith(f"Avoir {credit_note.number}") for row in rows)


@pytest.mark.django_db
def test_acts_non_tarifes_are_left_out_of_the_entries(site_a, staff_a, finance):
    # CléA's SIRET grants are « non tarifés »: a site accredited during the period bills nothing yet.
    accredited_site("93", organisation=site_a.organisation, since=P1[0] + dt.timedelta(days=1))
    positioned(site_a, staff_a, P1[0] + dt.timedelta(days=3))
    period = freeze_period(compute_period(*P1, actor=finance), actor=finance)
    statement = Statement.objects.get(period=period)
    assert statement.unpriced == 1

    rows = list(period_rows(period))

    assert [(row[7], row[9], row[10]) for row in rows] == [
        ("411000", "24,00", ""),
        ("706300", "", "20,00"),
        ("445710", "", "4,00"),
    ]
