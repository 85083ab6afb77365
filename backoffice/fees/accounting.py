"""The accounting file of an issued period: one row per statement line, with the account codes of the
settings (FEES_JOURNAL, FEES_ACCOUNT_CODES), for the accounting software. French CSV as every export of
the back-office: UTF-8 with a BOM, `;`, CRLF, dates dd/mm/yyyy — and amounts with a decimal comma
(docs/fees.md)."""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import IO, Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from backoffice.core.exports.formats import neutralise

from .models import FeeKind, FeePeriod, StatementLine, StatementStatus

HEADERS = [
    "Journal",
    "Date de pièce",
    "N° de relevé",
    "Période du",
    "Période au",
    "SIREN",
    "Organisme",
    "SIRET",
    "Compte client",
    "Compte de produit",
    "Compte de TVA",
    "Certification",
    "Acte",
    "Référence de l'acte",
    "Date de l'acte",
    "Libellé",
    "Quantité",
    "Prix unitaire HT",
    "Montant HT",
    "Taux de TVA",
    "Montant TVA",
    "Montant TTC",
    "Avoir sur le relevé",
    "Motif",
]


def period_lines(period: FeePeriod) -> QuerySet[StatementLine]:
    """The lines of the period's issued statements, in statement number then SIRET order."""
    return (
        StatementLine.objects.filter(
            statement__period=period, statement__status__in=(StatementStatus.FROZEN, StatementStatus.PAID)
        )
        .select_related("statement__organisation", "statement__period", "site", "certification")
        .select_related("credit_of__statement")
        .order_by("statement__number", "site__siret", "act_on", "kind", "pk")
    )


def amount(value: Decimal | None) -> str:
    """12,50 — an empty cell for an act « non tarifé »."""
    return "" if value is None else f"{value:.2f}".replace(".", ",")


def row(line: StatementLine) -> list[str]:
    statement, accounts = line.statement, settings.FEES_ACCOUNT_CODES
    frozen_on = timezone.localdate(statement.frozen_at) if statement.frozen_at else None
    text = [
        settings.FEES_JOURNAL,
        f"{frozen_on:%d/%m/%Y}" if frozen_on else "",
        statement.number,
        f"{statement.period.start:%d/%m/%Y}",
        f"{statement.period.end:%d/%m/%Y}",
        statement.organisation.siren,
        statement.organisation.legal_name,
        line.site.siret if line.site else "",
        accounts["customer"],
        accounts[line.kind],
        accounts["vat"],
        line.certification.name,
        FeeKind(line.kind).label,
        f"{line.kind}-{line.act_id}" + (f"-{line.act_part}" if line.act_part else ""),
        f"{line.act_on:%d/%m/%Y}",
        line.label,
    ]
    figures = [
        str(line.quantity),
        amount(line.unit_price_ht),
        amount(line.amount_ht),
        amount(line.vat_rate),
        amount(line.amount_vat),
        amount(line.amount_ttc),
    ]
    after = [line.credit_of.statement.number if line.credit_of else "", line.reason]
    return [neutralise(cell) for cell in text] + figures + [neutralise(cell) for cell in after]


def write_accounting_csv(out: IO[bytes], lines: Iterable[StatementLine]) -> int:
    """Write the rows; returns how many (the header aside)."""
    out.write(codecs.BOM_UTF8)
    writer = csv.writer(codecs.getwriter("utf-8")(out), delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADERS)
    count = 0
    for line in lines:
        writer.writerow(row(line))
        count += 1
    return count


def streamed_rows(lines: QuerySet[StatementLine]) -> Iterator[Any]:
    """The lines read 2,000 at a time (a year of national activity holds some hundred thousand)."""
    return lines.iterator(chunk_size=2000)
