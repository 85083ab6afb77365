"""Reading an uploaded table as French spreadsheets produce it: CSV in UTF-8 (with or without BOM) or
Windows-1252, `;`, `,` or tab separated, or XLSX; streamed row by row, never loaded whole.

Every refusal of the whole file is an `ImportFileError` with a French message, raised before any row is
read when it concerns the file or its header, and while the rows are read when the file is damaged further
down.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
import io
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any

XLSX_MAGIC = b"PK\x03\x04"
# A zip bomb inflates a few kilobytes into gigabytes: real workbooks stay far below these bounds.
XLSX_MAX_RATIO = 200
XLSX_MAX_INFLATED_FACTOR = 20
SEPARATORS = (";", ",", "\t")
CHUNK = 1 << 20
UNREADABLE_XLSX = "Ce classeur XLSX est illisible ou endommagé."
UNREADABLE_CSV = (
    "Le fichier est illisible à partir de la ligne {line} : une cellule de plus de 128 000 caractères, "
    "souvent un guillemet jamais refermé. Corrigez-le dans le tableur et enregistrez-le à nouveau."
)


class ImportFileError(Exception):
    """The whole file is refused: nothing is read further, nothing is written."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Table:
    """A file's header (normalised names, in order) and its rows with their spreadsheet line numbers."""

    columns: list[str]
    rows: Iterator[tuple[int, list[str]]]
    description: str  # "CSV UTF-8, séparateur « ; »" — shown on the preview
    progress: Callable[[], float] = lambda: 0.0  # share of the file read so far


def normalise_column(name: Any) -> str:
    """`Date naissance ` → `date_naissance`; `D1.1` → `d1.1`: the header as the contracts name it."""
    text = str(name or "").replace("\ufeff", "").strip().lower()
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "_".join(text.replace("-", " ").split())


def open_table(handle: IO[bytes], *, size: int) -> Table:
    """Detect the file's kind and encoding, read its header, and stream its rows."""
    if size == 0:
        raise ImportFileError("Le fichier est vide.")
    head = handle.read(8)
    handle.seek(0)
    if head.startswith(XLSX_MAGIC):
        return _xlsx_table(handle, size=size)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in head:
        raise ImportFileError(
            "Encodage non reconnu (UTF-16 ou fichier binaire) : enregistrez le fichier au format "
            "« CSV UTF-8 » ou « CSV (séparateur : point-virgule) », ou en XLSX."
        )
    return _csv_table(handle, size=size)


def _csv_table(handle: IO[bytes], *, size: int) -> Table:
    encoding = _detect_encoding(handle)
    text = _Text(handle, encoding=encoding, newline="")  # type: ignore[type-var]
    first = text.readline()
    if not first.strip():
        raise ImportFileError("La première ligne doit contenir les noms des colonnes : elle est vide.")
    separator = max(SEPARATORS, key=first.count)
    try:
        header = next(csv.reader([first], delimiter=separator))
    except csv.Error as error:  # a cell past the csv module's field limit (128 Kio)
        raise ImportFileError(UNREADABLE_CSV.format(line=1)) from error
    reader = csv.reader(text, delimiter=separator)
    label = "UTF-8" if encoding.startswith("utf") else "Windows-1252"
    shown = "tabulation" if separator == "\t" else f"« {separator} »"
    return Table(
        columns=_header(header),
        rows=_csv_rows(reader),
        description=f"CSV {label}, séparateur {shown}",
        progress=lambda: _share(handle, size),
    )


class _Text(io.TextIOWrapper):
    """Reads the caller's handle without closing it when the rows are done (the caller closes it)."""

    def __del__(self) -> None:
        with contextlib.suppress(ValueError):
            self.detach()


def _share(handle: IO[bytes], size: int) -> float:
    try:
        return min(handle.tell() / size, 1.0)
    except ValueError:  # closed: read to the end
        return 1.0


def _detect_encoding(handle: IO[bytes]) -> str:
    """UTF-8 when every byte decodes as such, else Windows-1252 (Excel's « CSV (séparateur :
    point-virgule) »)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := handle.read(CHUNK):
            if b"\x00" in chunk:
                raise ImportFileError("Le fichier contient des octets nuls : ce n'est pas un fichier CSV.")
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
        encoding = "utf-8-sig"
    except UnicodeDecodeError:
        encoding = "cp1252"
        handle.seek(0)
        try:
            while chunk := handle.read(CHUNK):
                chunk.decode("cp1252")
        except UnicodeDecodeError as error:
            raise ImportFileError(
                "Encodage non reconnu : enregistrez le fichier au format « CSV UTF-8 » ou XLSX."
            ) from error
    handle.seek(0)
    return encoding


def _csv_rows(reader: Any) -> Iterator[tuple[int, list[str]]]:
    try:
        for line, row in enumerate(reader, start=2):
            cells = [cell.strip() for cell in row]
            if any(cells):  # empty trailing (or stray) rows carry nothing
                yield line, cells
    except csv.Error as error:  # a cell past the field limit, often a quote never closed
        raise ImportFileError(UNREADABLE_CSV.format(line=reader.line_num + 1)) from error


def _xlsx_table(handle: IO[bytes], *, size: int) -> Table:
    from openpyxl import load_workbook

    _check_zip(handle, size=size)
    try:
        workbook = load_workbook(handle, read_only=True, data_only=False)
    except Exception as error:  # openpyxl raises many kinds on a damaged workbook
        raise ImportFileError(UNREADABLE_XLSX) from error
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    try:  # read-only mode parses the sheet only now
        header = next(rows, None)
    except Exception as error:
        raise ImportFileError(UNREADABLE_XLSX) from error
    counter = _LineCounter(getattr(sheet, "max_row", None) or 0)
    if header is None or not any(cell not in (None, "") for cell in header):
        raise ImportFileError("La première ligne doit contenir les noms des colonnes : elle est vide.")
    return Table(
        columns=_header([("" if cell is None else str(cell)) for cell in header]),
        rows=_xlsx_rows(rows, counter),
        description=f"XLSX, feuille « {sheet.title} »",
        progress=counter.share,
    )


class _LineCounter:
    def __init__(self, total: int) -> None:
        self.total, self.line = total, 0

    def share(self) -> float:
        return min(self.line / self.total, 1.0) if self.total else 0.0


def _check_zip(handle: IO[bytes], *, size: int) -> None:
    try:
        with zipfile.ZipFile(handle) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile as error:
        raise ImportFileError(UNREADABLE_XLSX) from error
    inflated = sum(member.file_size for member in members)
    bomb = any(member.file_size > XLSX_MAX_RATIO * max(member.compress_size, 1) for member in members)
    if bomb or inflated > XLSX_MAX_INFLATED_FACTOR * size + CHUNK:
        raise ImportFileError(
            "Ce classeur XLSX se décompresse en un volume anormal (archive piégée ?) : il est refusé."
        )
    handle.seek(0)


def _xlsx_rows(rows: Iterator[tuple[Any, ...]], counter: _LineCounter) -> Iterator[tuple[int, list[str]]]:
    line = 1
    try:
        for line, row in enumerate(rows, start=2):
            counter.line = line
            cells = [_xlsx_cell(value) for value in row]
            if any(cells):
                yield line, cells
    except Exception as error:  # a sheet damaged further down: its XML is parsed as rows are read
        raise ImportFileError(f"{UNREADABLE_XLSX[:-1]} (après la ligne {line}).") from error


def _xlsx_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _header(cells: list[str]) -> list[str]:
    columns = [normalise_column(cell) for cell in cells]
    while columns and not columns[-1]:  # a spreadsheet's empty trailing header cells
        columns.pop()
    return columns
