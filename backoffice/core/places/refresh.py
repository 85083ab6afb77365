"""Rebuild fixtures/data/places/communes.csv.gz from the npm packages of Etalab (docs/places.md).

    npm pack @etalab/decoupage-administratif@6.0.0 @etalab/cog@0.1.0   # then untar each
    python -m backoffice.core.places.refresh DECOUPAGE/data/communes.json COG/data/communes.json OUT.csv.gz

The current geography comes from decoupage-administratif (COG 2025); the 2018 COG of @etalab/cog adds
the communes absorbed since 1943 and the old codes (Corsica's 20xxx), which the newer package dropped.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import sys
from pathlib import Path
from typing import Any

CURRENT, DISTRICT, FORMER = "current", "district", "former"
COLUMNS = ["code", "name", "department", "kind", "valid_from", "valid_to", "current_code"]
# Corsica became two departments on 1 January 1976 (law of 15 May 1975): the 20xxx codes end the day before.
CORSICA_SPLIT_EVE = "1975-12-31"


def build_rows(current: list[dict[str, Any]], historical: list[dict[str, Any]]) -> list[list[str]]:
    """The rows of the communes file: current communes and districts, then every former name or code."""
    current_codes = {c["code"] for c in current if c["type"] == "commune-actuelle"}
    successor = _successors(current, historical)
    rows: dict[tuple[str, str], list[str]] = {}

    def add(code: str, name: str, department: str, kind: str, current_code: str = "") -> None:
        if (code, name) not in rows:
            valid_to = CORSICA_SPLIT_EVE if kind == FORMER and code.startswith("20") else ""
            rows[(code, name)] = [code, name, department, kind, "", valid_to, current_code]

    for c in current:
        if c["type"] == "commune-actuelle":
            add(c["code"], c["nom"], c["departement"], CURRENT)
        elif c["type"] == "arrondissement-municipal":
            add(c["code"], c["nom"], c["departement"], DISTRICT, c["commune"])
    for c in [*current, *historical]:
        # A code still in use under another name (a commune nouvelle kept it) is a former name of it.
        if c["type"] == "arrondissement-municipal":
            continue
        add(c["code"], c["nom"], c["departement"], FORMER, _resolve(c["code"], successor, current_codes))
    return sorted(rows.values(), key=lambda row: (row[0], row[3] != CURRENT, row[1]))


def _successors(current: list[dict[str, Any]], historical: list[dict[str, Any]]) -> dict[str, str]:
    """Old code → the code that took it over (one step; `_resolve` follows the chain)."""
    successor: dict[str, str] = {}
    for c in current:
        for old in c.get("anciensCodes", []):
            successor.setdefault(old, c["code"])
        if c["type"] in ("commune-deleguee", "commune-associee"):
            successor.setdefault(c["code"], c["chefLieu"])
    for c in historical:
        target = c.get("nouveauCode") or c.get("communeAbsorbante") or c.get("chefLieu")
        if target:
            successor.setdefault(c["code"], target)
    return successor


def _resolve(code: str, successor: dict[str, str], current_codes: set[str]) -> str:
    seen: set[str] = set()
    while code not in current_codes:
        if code in seen or code not in successor:
            return ""
        seen.add(code)
        code = successor[code]
    return code


def main(current_path: str, historical_path: str, out_path: str) -> None:
    current = json.loads(Path(current_path).read_text(encoding="utf-8"))
    historical = json.loads(Path(historical_path).read_text(encoding="utf-8"))
    # mtime=0 and no file name: the same data, the same bytes (no diff on a refresh that changed nothing).
    with (
        Path(out_path).open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as packed,
        io.TextIOWrapper(packed, encoding="utf-8", newline="") as handle,
    ):
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(build_rows(current, historical))


if __name__ == "__main__":
    main(*sys.argv[1:4])
