"""Writing rows to CSV or XLSX, a row at a time (memory stays bounded), with formula-like text neutralised."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import IO, Any

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

# A spreadsheet runs a cell starting with one of these as a formula (CSV injection): "=HYPERLINK(...)".
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
DATE_FORMAT, DATETIME_FORMAT = "%d/%m/%Y", "%d/%m/%Y %H:%M"
XLSX_DATE_FORMAT, XLSX_DATETIME_FORMAT = "DD/MM/YYYY", "DD/MM/YYYY HH:MM"


def neutralise(text: str) -> str:
    """Text a spreadsheet would read as a formula gets a leading apostrophe; other text is unchanged."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _local(moment: dt.datetime) -> dt.datetime:
    # Spreadsheets know no time zone: Paris time, as on the pages.
    return timezone.localtime(moment).replace(tzinfo=None) if timezone.is_aware(moment) else moment


def csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, dt.datetime):
        return f"{_local(value):{DATETIME_FORMAT}}"
    if isinstance(value, dt.date):
        return f"{value:{DATE_FORMAT}}"
    if isinstance(value, int | float | Decimal):
        return str(value)
    return neutralise(str(value))


def write_csv(out: IO[bytes], headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """UTF-8 with a BOM (Excel reads the accents) and ';' as separator, like the holders' export.
    Returns the number of rows written."""
    out.write(codecs.BOM_UTF8)
    text = codecs.getwriter("utf-8")(out)
    writer = csv.writer(text, delimiter=";", lineterminator="\r\n")
    writer.writerow(headers)
    count = 0
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
        count += 1
    return count


def _xlsx_cell(sheet: Any, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, dt.datetime | dt.date):
        cell = WriteOnlyCell(sheet, value=_local(value) if isinstance(value, dt.datetime) else value)
        cell.number_format = XLSX_DATETIME_FORMAT if isinstance(value, dt.datetime) else XLSX_DATE_FORMAT
        return cell
    # Control characters (pasted from another tool) are not allowed in an XLSX file: dropped.
    return neutralise(ILLEGAL_CHARACTERS_RE.sub("", str(value)))


def write_xlsx(out: IO[bytes], headers: Sequence[str], rows: Iterable[Sequence[Any]], *, title: str) -> int:
    """One sheet in openpyxl's write-only mode (rows go to disk as they come); numbers and dates stay typed.
    Returns the number of rows written."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for name in headers:
        cell = WriteOnlyCell(sheet, value=neutralise(name))
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    count = 0
    for row in rows:
        sheet.append([_xlsx_cell(sheet, value) for value in row])
        count += 1
    workbook.save(out)
    return count


def write(
    fmt: str, out: IO[bytes], headers: Sequence[str], rows: Iterable[Sequence[Any]], *, title: str
) -> int:
    if fmt == "xlsx":
        return write_xlsx(out, headers, rows, title=title)
    return write_csv(out, headers, rows)
