"""What every file contract declares (its columns) and does (check a batch of rows, write the valid ones)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model

from ..cells import CellError, refuse_formula
from ..reading import ImportFileError

NEW, UPDATED, UNCHANGED, INVALID = "new", "updated", "unchanged", "invalid"
REASON_COLUMN = "motif_rejet"  # the error report's last column: ignored when the fixed file comes back


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    help: str
    example: str = ""


@dataclass
class Row:
    line: int
    raw: list[str]
    cells: dict[str, str]
    errors: list[tuple[str, str]] = field(default_factory=list)
    action: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)

    def read(self, column: str, parse: Callable[[str], Any]) -> Any:
        """The parsed cell, or None with the error noted against its column (once per column)."""
        if self.errors and any(name == column for name, _ in self.errors):
            return None
        try:
            return parse(self.cells.get(column, ""))
        except CellError as error:
            self.errors.append((column, error.message))
            return None

    def fail(self, column: str, message: str) -> None:
        self.errors.append((column, message))

    @property
    def valid(self) -> bool:
        return not self.errors


class Checker:
    """Checks and writes the rows of one job; holds what it preloaded (scope, lookups) between batches."""

    def check(self, batch: list[Row]) -> None:
        """Set each row's action (new / updated / unchanged) or its errors; nothing is written."""
        raise NotImplementedError

    def apply(self, batch: list[Row]) -> None:
        """Write the batch's new and updated rows (inside the import's transaction)."""
        raise NotImplementedError


class Contract:
    key: str = ""
    label: str = ""
    columns: tuple[Column, ...] = ()
    writes: tuple[type[Model], ...] = ()  # the tables a large import fills: analysed afterwards

    def known_columns(self) -> set[str]:
        return {column.name for column in self.columns}

    def check_header(self, header: list[str]) -> None:
        """Refuse the file before any row is read: missing, unknown or repeated columns, all named."""
        problems = []
        repeated = sorted({name for name in header if name and header.count(name) > 1})
        if repeated:
            problems.append(f"colonnes en double : {', '.join(repeated)}")
        missing = [c.name for c in self.columns if c.required and c.name not in header]
        if missing:
            problems.append(f"colonnes obligatoires absentes : {', '.join(missing)}")
        known = self.known_columns() | {REASON_COLUMN}
        unknown = [name or "(sans nom)" for name in header if name not in known]
        if unknown:
            problems.append(f"colonnes inconnues : {', '.join(unknown)}")
        if problems:
            raise ImportFileError(
                "En-tête refusé — " + " ; ".join(problems) + ". Partez du modèle de fichier à télécharger."
            )

    def checker(self, job: Any, *, applying: bool) -> Checker:
        raise NotImplementedError

    def template_rows(self) -> list[list[str]]:
        return [[column.example for column in self.columns]]

    def template_header(self) -> list[str]:
        return [column.name for column in self.columns]


def rows_of(header: list[str], lines: Iterable[tuple[int, list[str]]]) -> Iterable[Row]:
    """Each line as a Row keyed by the header; formulas are refused in every cell."""
    width = len(header)
    for line, raw in lines:
        cells = dict(zip(header, raw + [""] * (width - len(raw)), strict=False))
        row = Row(line=line, raw=raw, cells=cells)
        if any(cell for cell in raw[width:]):
            row.fail("", "des valeurs dépassent la dernière colonne de l'en-tête.")
        if any(value.startswith("=") for value in raw):  # rare: each cell is looked at only then
            for column, value in cells.items():
                try:
                    refuse_formula(value)
                except CellError as error:
                    row.fail(column, error.message)
        yield row
