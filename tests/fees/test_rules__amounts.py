"""Amounts are Decimal, rounded per line to the cent (half up), totals are the sums of the lines; schedules,
quarters and numbers. Pure rules: no database."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from backoffice.fees.rules import (
    format_number,
    in_force,
    line_amounts,
    merged,
    previous_quarter,
    quarter_label,
    quarter_of,
    to_cent,
    totals,
)

CENTS = Decimal("0.01")
prices = st.decimals(min_value=Decimal("0"), max_value=Decimal("99999999.99"), places=2)
vat_rates = st.decimals(min_value=Decimal("0"), max_value=Decimal("100"), places=2)


@given(st.lists(st.tuples(prices, vat_rates, st.sampled_from([1, -1])), max_size=60))
def test_totals_are_the_sums_of_lines_rounded_each_to_the_cent(rows):
    lines = [line_amounts(unit, vat, quantity) for unit, vat, quantity in rows]

    total = totals(lines)

    assert total.ht == sum((line.ht for line in lines), Decimal("0"))
    assert total.vat == sum((line.vat for line in lines), Decimal("0"))
    assert total.ttc == total.ht + total.vat == sum((line.ttc for line in lines), Decimal("0"))
    for line in lines:
        assert line.ht == line.ht.quantize(CENTS) and line.vat == line.vat.quantize(CENTS)
        assert line.ttc == line.ht + line.vat


@given(prices, vat_rates)
def test_a_credit_is_the_exact_opposite_of_its_charge(unit, vat):
    charge, credit = line_amounts(unit, vat, 1), line_amounts(unit, vat, -1)
    assert (credit.ht, credit.vat, credit.ttc) == (-charge.ht, -charge.vat, -charge.ttc)


def test_rounding_is_half_up_on_each_line():
    assert to_cent(Decimal("0.125")) == Decimal("0.13")
    assert to_cent(Decimal("-0.125")) == Decimal("-0.13")
    assert line_amounts(Decimal("10.05"), Decimal("5.5"), 1).vat == Decimal("0.55")  # 0.55275
    assert line_amounts(Decimal("0.10"), Decimal("25"), 1).vat == Decimal("0.03")  # 0.025 → 0.03, not 0.02
    assert totals([None]).ht == Decimal("0.00")  # « non tarifé » counts for nothing


@dataclass
class Schedule:
    valid_from: dt.date


def test_the_schedule_in_force_is_the_latest_started_on_or_before_the_day():
    old, new = Schedule(dt.date(2019, 1, 1)), Schedule(dt.date(2026, 4, 1))
    assert in_force([new, old], dt.date(2026, 3, 31)) is old
    assert in_force([new, old], dt.date(2026, 4, 1)) is new
    assert in_force([new], dt.date(2026, 3, 31)) is None


def test_quarters_and_numbers():
    assert quarter_of(dt.date(2026, 2, 14)) == (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert quarter_of(dt.date(2026, 12, 31)) == (dt.date(2026, 10, 1), dt.date(2026, 12, 31))
    assert previous_quarter(dt.date(2026, 1, 2)) == (dt.date(2025, 10, 1), dt.date(2025, 12, 31))
    assert quarter_label(dt.date(2026, 4, 1), dt.date(2026, 6, 30)) == "T2 2026"
    assert quarter_label(dt.date(2026, 4, 1), dt.date(2026, 5, 15)) == "01/04/2026 – 15/05/2026"
    assert format_number(2026, 123) == "RDV-2026-000123"
    q1, q2 = quarter_of(dt.date(2026, 1, 1)), quarter_of(dt.date(2026, 4, 1))
    assert merged([q2, q1, (dt.date(2026, 9, 1), dt.date(2026, 9, 30))]) == [
        (dt.date(2026, 1, 1), dt.date(2026, 6, 30)),
        (dt.date(2026, 9, 1), dt.date(2026, 9, 30)),
    ]
