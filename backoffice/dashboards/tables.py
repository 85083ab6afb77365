"""A dashboard's figures as tables: shown as HTML, drawn as a chart, and exported as CSV or XLSX — the same
rows and headers in all three."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpResponse
from django.utils.text import slugify

from backoffice.core.exports import formats


@dataclass
class Table:
    key: str  # its name in the URL (?table=…&format=csv)
    title: str
    headers: list[str]
    rows: list[list[Any]]
    chart: dict[str, Any] | None = None  # Chart.js type and which columns to draw
    links: list[str | None] = field(default_factory=list)  # a drill-down link per row, if any

    def chart_data(self) -> dict[str, Any] | None:
        """What `charts.js` draws: labels from the first column, one dataset per chosen column."""
        if not self.chart or not self.rows:
            return None
        columns: Sequence[int] = self.chart.get("columns", range(1, len(self.headers)))
        return {
            "type": self.chart.get("type", "bar"),
            "stacked": self.chart.get("stacked", False),
            "labels": [str(row[0]) for row in self.rows],
            "datasets": [{"label": self.headers[i], "data": [row[i] for row in self.rows]} for i in columns],
        }


def export_response(table: Table, fmt: str, *, page: str) -> HttpResponse:
    """The table as a file, exactly its headers and rows (cells neutralised against formula injection)."""
    out = io.BytesIO()
    formats.write(fmt, out, table.headers, table.rows, title=table.title[:31])
    response = HttpResponse(out.getvalue(), content_type=formats.CONTENT_TYPES[fmt])
    name = f"{slugify(page)}-{slugify(table.key)}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
