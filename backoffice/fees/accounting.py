"""The accounting file of an issued period, as balanced entries: for each statement, one row per account and
side — the customer (411) debited TTC, each sales account (706x) credited HT, the VAT collected (44571)
credited — the sides swapped for a credit, amounts positive, the acts « non tarifés » left out; the debits
equal the credits of each statement. The codes come from the settings (FEES_JOURNAL, FEES_ACCOUNT_CODES);
the customer from the statement's copy made at issue. French CSV as every export of the back-office: UTF-8
with a BOM, `;`, CRLF, dates dd/mm/yyyy — and amounts with a decimal comma (docs/fees.md)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from itertools import groupby
from typing import IO, cast

from django.conf import settings
from django.utils import timezone

from backoffice.core.exports.formats import write_csv

from .models import FeeKind, FeePeriod, Statement, StatementLine, StatementStatus

HEADERS = [
    "Journal",
    "Date de pièce",
    "N° de pièce",
    "Période du",
    "Période au",
    "SIREN",
    "Organisme",
    "Compte",
    "Libellé",
    "Débit",
    "Crédit",
]
DEBIT, CREDIT = "debit", "credit"
ISSUED = (StatementStatus.FROZEN, StatementStatus.PAID)


@dataclass(frozen=True)
class PricedLine:
    """What the entries need of a priced line: its kind of act and its amounts (a credit's are negative)."""

    kind: str
    ht: Decimal
    vat: Decimal
    ttc: Decimal


@dataclass(frozen=True)
class Entry:
    """One movement of a statement's entry: an account, a side, a positive amount."""

    account: str
    side: str
    amount: Decimal


def line_movements(line: PricedLine, accounts: Mapping[str, str]) -> list[Entry]:
    """A line's movements: the customer owes TTC, Certif'Pro earns HT and collects the VAT; a credit (negative
    amounts) the other way round. A zero amount (a VAT of 0 %) moves nothing."""
    movements = [
        (accounts["customer"], DEBIT, line.ttc),
        (accounts[line.kind], CREDIT, line.ht),
        (accounts["vat"], CREDIT, line.vat),
    ]
    return [
        Entry(account, side if value > 0 else _other(side), abs(value))
        for account, side, value in movements
        if value
    ]


def _other(side: str) -> str:
    return CREDIT if side == DEBIT else DEBIT


def statement_entries(lines: Iterable[PricedLine], accounts: Mapping[str, str]) -> list[Entry]:
    """A statement's entry: its lines' movements summed per account and side (a statement holding charges
    and credits keeps both sides of an account), the customer first, the VAT last, debits before credits."""
    sums: dict[tuple[str, str], Decimal] = {}
    for line in lines:
        for movement in line_movements(line, accounts):
            key = (movement.account, movement.side)
            sums[key] = sums.get(key, Decimal("0.00")) + movement.amount

    def order(key: tuple[str, str]) -> tuple[int, str, int]:
        account, side = key
        rank = 0 if account == accounts["customer"] else 2 if account == accounts["vat"] else 1
        return rank, account, 0 if side == DEBIT else 1

    return [Entry(account, side, sums[(account, side)]) for account, side in sorted(sums, key=order)]


def amount(value: Decimal | None) -> str:
    """1234,50 — an empty cell for the other side."""
    return "" if value is None else f"{value:.2f}".replace(".", ",")


def account_labels(accounts: Mapping[str, str]) -> dict[str, str]:
    """What each account of the file holds, in French (two kinds of act may share a sales account)."""
    labels: dict[str, list[str]] = {}
    for kind in FeeKind:
        labels.setdefault(accounts[kind.value], []).append(kind.label)
    named = {account: "Redevances " + ", ".join(kinds) for account, kinds in labels.items()}
    return {**named, accounts["customer"]: "Client", accounts["vat"]: "TVA collectée"}


def statement_rows(statement: Statement, lines: Iterable[PricedLine]) -> Iterator[list[object]]:
    """The rows of one statement's entry, the customer as copied at issue."""
    accounts = settings.FEES_ACCOUNT_CODES
    labels = account_labels(accounts)
    document = "Avoir" if statement.is_credit_note else "Relevé"
    issued_on = timezone.localdate(statement.frozen_at) if statement.frozen_at else None
    head = [
        settings.FEES_JOURNAL,
        issued_on,
        statement.number,
        statement.period.start,
        statement.period.end,
        statement.customer_siren,
        statement.customer_name,
    ]
    for entry in statement_entries(lines, accounts):
        label = f"{document} {statement.number} — {labels.get(entry.account, entry.account)}"
        sides = [amount(entry.amount), ""] if entry.side == DEBIT else ["", amount(entry.amount)]
        yield [*head, entry.account, label, *sides]


def period_rows(period: FeePeriod) -> Iterator[list[object]]:
    """Every issued statement of the period in number order, its priced lines read in one query."""
    statements = {
        s.pk: s for s in Statement.objects.filter(period=period, status__in=ISSUED).select_related("period")
    }
    lines = (
        StatementLine.objects.filter(statement_id__in=statements, amount_ht__isnull=False)
        .order_by("statement__number", "pk")
        .values_list("statement_id", "kind", "amount_ht", "amount_vat", "amount_ttc")
    )
    for statement_id, rows in groupby(lines.iterator(chunk_size=2000), key=lambda row: row[0]):
        # Filtered on a price: a priced line has its three amounts.
        priced = (
            PricedLine(kind, cast(Decimal, ht), cast(Decimal, vat), cast(Decimal, ttc))
            for _, kind, ht, vat, ttc in rows
        )
        yield from statement_rows(statements[statement_id], priced)


def write_accounting_csv(out: IO[bytes], period: FeePeriod) -> int:
    """Write the period's entries; returns how many rows (the header aside)."""
    return write_csv(out, HEADERS, period_rows(period))
