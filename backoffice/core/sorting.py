"""The order of our own tables (imports, applications, certificates…): `?tri=column` or `?tri=-column`
among the columns a list declares, with a stable order between equal values."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet

SORT_PARAM = "tri"


def parse_sort(value: str) -> tuple[str, bool]:
    """`"-held_on"` → `("held_on", True)`: the column and whether it is descending."""
    return value.lstrip("-"), value.startswith("-")


def sorted_by(
    rows: QuerySet, query: Mapping[str, Any], columns: Mapping[str, str], *, default: str
) -> QuerySet:
    """The rows in the order the query asks among `columns` (name shown → field path), else `default`."""
    column, descending = parse_sort(str(query.get(SORT_PARAM) or default))
    if column not in columns:
        column, descending = parse_sort(default)
    sign = "-" if descending else ""
    return rows.order_by(f"{sign}{columns[column]}", f"{sign}pk")
