"""Load the shipped geography files into the tables: one query when they already hold them (tests load
the reference data after every transactional test), a COPY of the whole file when not."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import gzip
import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import models, transaction

from backoffice.core import bulksql

from .models import Commune, Country, PlaceDataset
from .rules import search_key

COMMUNE_FIELDS = [
    "code",
    "name",
    "department",
    "kind",
    "valid_from",
    "valid_to",
    "current_code",
    "search_name",
]
COUNTRY_FIELDS = ["code", "name", "kind", "valid_from", "valid_to", "search_name"]


@dataclass
class PlacesReport:
    communes: int = 0
    countries: int = 0
    communes_loaded: bool = False
    countries_loaded: bool = False


@dataclass(frozen=True)
class _Dataset:
    name: str
    model: type[models.Model]
    fields: list[str]
    sha256: str
    rows: tuple[tuple[Any, ...], ...]


@transaction.atomic
def load_places(communes_path: Path, countries_path: Path) -> PlacesReport:
    """Replace the communes and the countries by the files' when the tables hold another version."""
    datasets = [_communes(communes_path), _countries(countries_path)]
    loaded = dict(PlaceDataset.objects.values_list("name", "sha256"))
    report = PlacesReport()
    for dataset in datasets:
        if loaded.get(dataset.name) != dataset.sha256:
            _replace(dataset)
            setattr(report, f"{dataset.name}_loaded", True)
        setattr(report, dataset.name, len(dataset.rows))
    return report


def _replace(dataset: _Dataset) -> None:
    dataset.model._default_manager.all().delete()
    bulksql.insert_rows(dataset.model, dataset.fields, dataset.rows)
    PlaceDataset.objects.update_or_create(
        name=dataset.name, defaults={"sha256": dataset.sha256, "rows": len(dataset.rows)}
    )


# Parsed once per process: the tests reload after each transactional test, only the COPY is repeated.
@functools.cache
def _communes(path: Path) -> _Dataset:
    raw = path.read_bytes()
    reader = csv.DictReader(io.StringIO(gzip.decompress(raw).decode("utf-8")))
    rows = tuple(
        (
            r["code"],
            r["name"],
            r["department"],
            r["kind"],
            _date(r["valid_from"]),
            _date(r["valid_to"]),
            r["current_code"],
            search_key(r["name"]),
        )
        for r in reader
    )
    return _Dataset("communes", Commune, COMMUNE_FIELDS, hashlib.sha256(raw).hexdigest(), rows)


@functools.cache
def _countries(path: Path) -> _Dataset:
    raw = path.read_bytes()
    reader = csv.DictReader(io.StringIO(raw.decode("utf-8")))
    rows = tuple(
        (
            r["code"],
            r["name"],
            r["kind"],
            _date(r["valid_from"]),
            _date(r["valid_to"]),
            _country_search_key([r["name"], *filter(None, r["other_names"].split("|"))]),
        )
        for r in reader
    )
    return _Dataset("countries", Country, COUNTRY_FIELDS, hashlib.sha256(raw).hexdigest(), rows)


def _country_search_key(names: Sequence[str]) -> str:
    # "|" around each name: a search matches the start of any of them (`|espa`), or one whole (`|espagne|`).
    return "|" + "|".join(search_key(name) for name in names) + "|"


def _date(value: str) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None
