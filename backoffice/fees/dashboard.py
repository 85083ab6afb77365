"""The « Redevances » dashboard: what the issued statements bill, per quarter, region, certification and kind
of act — each table drawn as a chart and exported as CSV or XLSX, within the viewer's scope (finance: all;
an organisation's staff: their own statements)."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import Count, Q, QuerySet, Sum
from django.http import HttpResponse, QueryDict

from accreditation.models import Certification
from backoffice.core.exports import formats

from .models import FeeKind, StatementLine, StatementStatus
from .rules import quarter_label, to_cent
from .selectors import lines_for

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
ZERO = Decimal("0.00")


def money(value: Decimal | None) -> Decimal:
    """A sum read back from the database, to the cent (SQLite returns what it summed)."""
    return to_cent(Decimal(value)) if value is not None else ZERO


class FeeFilterForm(forms.Form):
    start = forms.DateField(label="Périodes à partir du", required=False, widget=DATE)
    end = forms.DateField(label="jusqu'au", required=False, widget=DATE)
    certification = forms.ModelChoiceField(
        Certification.objects.order_by("code"), label="Certification", required=False, empty_label="Toutes"
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError("La date de début doit précéder la date de fin.")
        return data


@dataclass
class FeeTable:
    key: str
    title: str
    headers: list[str]
    rows: list[list[Any]]
    drawn: int  # the column the chart draws

    def chart(self) -> dict[str, Any] | None:
        """What `dashboard-charts.js` draws (as the other dashboards): one bar per row."""
        if not self.rows:
            return None
        return {
            "type": "bar",
            "stacked": False,
            "labels": [str(row[0]) for row in self.rows],
            "datasets": [
                {"label": self.headers[self.drawn], "data": [float(row[self.drawn]) for row in self.rows]}
            ],
        }


def issued_lines(user: Any, data: QueryDict) -> tuple[FeeFilterForm, QuerySet[StatementLine] | None]:
    """The form (with its French errors) and, when valid, the issued lines the user may see."""
    form = FeeFilterForm(data or None)
    if data and not form.is_valid():
        return form, None
    cleaned = form.cleaned_data if data else {}
    lines = lines_for(user).filter(statement__status__in=(StatementStatus.FROZEN, StatementStatus.PAID))
    if cleaned.get("start"):
        lines = lines.filter(statement__period__start__gte=cleaned["start"])
    if cleaned.get("end"):
        lines = lines.filter(statement__period__end__lte=cleaned["end"])
    if cleaned.get("certification"):
        lines = lines.filter(certification=cleaned["certification"])
    return form, lines


def fee_tables(lines: QuerySet[StatementLine]) -> list[FeeTable]:
    return [_by_quarter(lines), _by_region(lines), _by_certification(lines), _by_kind(lines)]


def _amounts() -> dict[str, Any]:
    return {
        "ht": Sum("amount_ht"),
        "vat": Sum("amount_vat"),
        "ttc": Sum("amount_ttc"),
        "acts": Sum("quantity"),
    }


def _by_quarter(lines: QuerySet[StatementLine]) -> FeeTable:
    grouped: Any = lines.values("statement__period__start", "statement__period__end")
    rows = grouped.annotate(statements=Count("statement", distinct=True), **_amounts()).order_by(
        "statement__period__start"
    )
    return FeeTable(
        "trimestres",
        "Montants par période",
        [
            "Période",
            "Relevés avec des actes",
            "Actes (nets des avoirs)",
            "Montant HT (€)",
            "TVA (€)",
            "Montant TTC (€)",
        ],
        [
            [
                quarter_label(row["statement__period__start"], row["statement__period__end"]),
                row["statements"],
                row["acts"],
                money(row["ht"]),
                money(row["vat"]),
                money(row["ttc"]),
            ]
            for row in rows
        ],
        drawn=3,
    )


def _by_dimension(lines: QuerySet[StatementLine], field: str, key: str, title: str, label: str) -> FeeTable:
    """Acts and amounts grouped by one dimension of the lines (a region, a certification)."""
    rows = lines.values(field).annotate(**_amounts()).order_by(field)
    return FeeTable(
        key,
        title,
        [label, "Actes (nets des avoirs)", "Montant HT (€)", "Montant TTC (€)"],
        [
            [row[field] or "Sans établissement", row["acts"], money(row["ht"]), money(row["ttc"])]
            for row in rows
        ],
        drawn=2,
    )


def _by_region(lines: QuerySet[StatementLine]) -> FeeTable:
    title = "Montants par région (des établissements facturés)"
    return _by_dimension(lines, "site__region__name", "regions", title, "Région")


def _by_certification(lines: QuerySet[StatementLine]) -> FeeTable:
    title = "Montants par certification"
    return _by_dimension(lines, "certification__name", "certifications", title, "Certification")


def _by_kind(lines: QuerySet[StatementLine]) -> FeeTable:
    rows = (
        lines.values("kind")
        .annotate(
            charged=Count("pk", filter=Q(quantity__gt=0)),
            credited=Count("pk", filter=Q(quantity__lt=0)),
            unpriced=Count("pk", filter=Q(unit_price_ht__isnull=True)),
            ht=Sum("amount_ht"),
        )
        .order_by("kind")
    )
    return FeeTable(
        "actes",
        "Montants par nature d'acte",
        ["Acte", "Facturés", "Avoirs", "Non tarifés", "Montant HT (€)"],
        [
            [FeeKind(row["kind"]).label, row["charged"], row["credited"], row["unpriced"], money(row["ht"])]
            for row in rows
        ],
        drawn=4,
    )


def export_table(table: FeeTable, fmt: str, *, today: dt.date) -> HttpResponse:
    """One table as a file, exactly its headers and rows."""
    out = io.BytesIO()
    formats.write(fmt, out, table.headers, table.rows, title=table.title[:31])
    response = HttpResponse(out.getvalue(), content_type=formats.CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="redevances-{table.key}-{today:%Y%m%d}.{fmt}"'
    return response
