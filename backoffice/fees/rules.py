"""The fees' pure rules: amounts to the cent, the schedule in force on a day, quarters, numbers. No ORM."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol, TypeVar

CENT = Decimal("0.01")
NUMBER_PREFIX = "RDV"


@dataclass(frozen=True)
class Amounts:
    """A line's amounts: HT rounded to the cent, the VAT on it rounded to the cent, TTC their sum."""

    ht: Decimal
    vat: Decimal
    ttc: Decimal


def to_cent(value: Decimal) -> Decimal:
    """Rounded to the cent, half away from zero (ROUND_HALF_UP), as invoices are."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def line_amounts(unit_price_ht: Decimal, vat_rate: Decimal, quantity: int) -> Amounts:
    """One line's amounts, each rounded on the line (never on the total): a credit (-1) is the exact
    opposite of the charge it reverses."""
    ht = to_cent(unit_price_ht * quantity)
    vat = to_cent(ht * vat_rate / 100)
    return Amounts(ht=ht, vat=vat, ttc=ht + vat)


def totals(lines: Iterable[Amounts | None]) -> Amounts:
    """A statement's totals: the sums of its priced lines (an act « non tarifé » counts for nothing)."""
    priced = [line for line in lines if line is not None]
    return Amounts(
        ht=sum((line.ht for line in priced), Decimal("0.00")),
        vat=sum((line.vat for line in priced), Decimal("0.00")),
        ttc=sum((line.ttc for line in priced), Decimal("0.00")),
    )


MaybeAmount = Decimal | None


def vat_by_rate(
    lines: Iterable[tuple[MaybeAmount, MaybeAmount, MaybeAmount]],
) -> list[tuple[Decimal, Decimal, Decimal]]:
    """The VAT per rate of lines given as (rate, HT, VAT): each rate with its base HT and its VAT, the sums of
    the lines' own rounded amounts (so they add up to the statement's totals), lowest rate first; the acts
    « non tarifés » (no amounts) count for nothing."""
    sums: dict[Decimal, tuple[Decimal, Decimal]] = {}
    for rate, ht, vat in lines:
        if rate is None or ht is None or vat is None:
            continue
        base, tax = sums.get(rate, (Decimal("0.00"), Decimal("0.00")))
        sums[rate] = (base + ht, tax + vat)
    return [(rate, *sums[rate]) for rate in sorted(sums)]


class Dated(Protocol):
    @property
    def valid_from(self) -> dt.date: ...


S = TypeVar("S", bound=Dated)


def in_force(schedules: Sequence[S], day: dt.date) -> S | None:
    """The schedule in force on `day`: the latest one that started on or before it (never a later one: a
    schedule is never retroactive)."""
    best = None
    for schedule in schedules:
        if schedule.valid_from <= day and (best is None or schedule.valid_from > best.valid_from):
            best = schedule
    return best


def quarter_of(day: dt.date) -> tuple[dt.date, dt.date]:
    """The calendar quarter holding `day`: its first and last days."""
    first_month = 3 * ((day.month - 1) // 3) + 1
    start = dt.date(day.year, first_month, 1)
    following = dt.date(day.year + (first_month + 3 > 12), (first_month + 2) % 12 + 1, 1)
    return start, following - dt.timedelta(days=1)


def previous_quarter(day: dt.date) -> tuple[dt.date, dt.date]:
    """The last quarter ended before `day`'s quarter."""
    start, _ = quarter_of(day)
    return quarter_of(start - dt.timedelta(days=1))


def quarter_label(start: dt.date, end: dt.date) -> str:
    """« T1 2026 » for a calendar quarter, else the dates."""
    if (start, end) == quarter_of(start):
        return f"T{(start.month - 1) // 3 + 1} {start.year}"
    return f"{start:%d/%m/%Y} – {end:%d/%m/%Y}"


def format_number(year: int, number: int) -> str:
    """A statement's number: RDV-2026-000123, one series per year, without gaps."""
    return f"{NUMBER_PREFIX}-{year}-{number:06d}"


def postal_address(address: str, postcode: str, city: str) -> str:
    """« 12 rue de la Paix, 75002 Paris », leaving out what is empty."""
    town = " ".join(part for part in (postcode.strip(), city.strip()) if part)
    return ", ".join(part for part in (address.strip(), town) if part)


def overlaps(start: dt.date, end: dt.date, other_start: dt.date, other_end: dt.date) -> bool:
    return start <= other_end and other_start <= end


def merged(ranges: Iterable[tuple[dt.date, dt.date]]) -> list[tuple[dt.date, dt.date]]:
    """Date ranges joined where they touch or overlap (consecutive quarters make one range)."""
    result: list[tuple[dt.date, dt.date]] = []
    for start, end in sorted(ranges):
        if result and start <= result[-1][1] + dt.timedelta(days=1):
            result[-1] = (result[-1][0], max(end, result[-1][1]))
        else:
            result.append((start, end))
    return result
