"""JSON items as the rows of an import file: the candidates and results contracts' checkers judge and write
them exactly as they judge and write a file's lines (the same parsing, rules, messages and services), and
each item's answer is its row's — created, updated, unchanged or refused with the field and the message."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from backoffice.core.accounts.types import Actor
from backoffice.imports.contracts.base import INVALID, NEW, UNCHANGED, UPDATED, Checker, Row, rows_of
from backoffice.imports.contracts.candidates import CandidatesChecker
from backoffice.imports.contracts.results import ResultsChecker, criterion_codes, subdomain_codes
from casefiles.models import CaseFile
from casefiles.selectors import frameworks_cached

from .problems import Invalid

RESULTS = {NEW: "cree", UPDATED: "modifie", UNCHANGED: "inchange", INVALID: "refuse"}
FIRST_LINE = 2  # a file's first row comes after its header: item i is line i + 2, in a file as here
EMPTY = [{"champ": "", "message": "élément vide."}]


@dataclass
class Item:
    """One item of a request: its cells as a file's, and where each cell came from in the JSON."""

    cells: dict[str, str]
    paths: dict[str, str] = field(default_factory=dict)  # cell → the JSON field ("d1.1" → "resultats.D1.1")
    errors: list[dict[str, str]] = field(default_factory=list)  # refused before any rule: never a row


@dataclass
class Outcome:
    index: int
    reference: str
    result: str  # cree, modifie, inchange, refuse
    errors: list[dict[str, str]]
    case_file_id: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "reference": self.reference,
            "resultat": self.result,
            "erreurs": self.errors,
            "dossier": self.case_file_id,
        }


def evaluation_item(
    cells: dict[str, str], verdicts: dict[str, str], *, known: dict[str, str], path: str = ""
) -> Item:
    """A results row: the verdicts become the sub-domain and criterion columns (`d1.1`), each code checked
    against the published frameworks as a file's header is (`path`: where the item stands in the body). An
    unknown code refuses this item alone (its `errors`)."""
    item = Item(dict(cells))
    for code, verdict in verdicts.items():
        column = code.strip().lower()
        where = f"{path}resultats.{code}"
        if column not in known:
            item.errors.append(
                {"champ": where, "message": "ni un sous-domaine ni un critère d'un référentiel publié."}
            )
        elif column in item.cells:
            item.errors.append({"champ": where, "message": "code en double."})
        else:
            item.cells[column] = verdict.strip()
            item.paths[column] = f"resultats.{code}"
    return item


def result_codes() -> dict[str, str]:
    """The results contract's verdict columns (`d1.1`), each with its code (`D1.1`): the published frameworks'
    sub-domains and criteria."""
    return {code.lower(): code for code in [*subdomain_codes(), *criterion_codes()]}


def judge(checker: Checker, items: list[Item]) -> list[Outcome]:
    """Check and write the items as one batch of a file, inside the caller's transaction."""
    rows = as_rows(items)
    with frameworks_cached():
        checker.check(rows)
        checker.apply(rows)
    return outcomes(items, rows)


def candidates_checker(actor: Actor, *, prefix: str) -> CandidatesChecker:
    """The candidates contract's checker, as the import's apply builds it (the organisation locked)."""
    return CandidatesChecker(actor, source={"api": prefix}, lock=True)


def results_checker(actor: Actor, *, prefix: str, case_file: CaseFile | None = None) -> ResultsChecker:
    """The results contract's checker; for the file of an address (`case_file`), that file whatever its
    reference (a file opened by the form may have none)."""
    if case_file is None:
        return ResultsChecker(actor, source={"api": prefix})
    return _OneFileResults(actor, source={"api": prefix}, case_file=case_file)


class _OneFileResults(ResultsChecker):
    def __init__(self, actor: Actor, *, source: dict[str, Any], case_file: CaseFile) -> None:
        super().__init__(actor, source=source)
        self.case_file = case_file

    def _files(self, batch: list[Row]) -> dict[tuple[int, str], CaseFile]:
        site = self.case_file.evaluation_site
        return {(site.organisation_id, row.cells.get("reference", "")): self.case_file for row in batch}


def as_rows(items: list[Item]) -> list[Row]:
    """The items as a file's rows, each with its own fields only: a field an item does not send is left as
    it is on a known reference, `null` or `""` clears it (an empty cell). Items refused already, or without
    any value (a file skips an empty line), are not rows."""
    found: list[Row] = []
    for index, item in enumerate(items):
        if item.errors or not any(item.cells.values()):
            continue
        found += rows_of(list(item.cells), [(FIRST_LINE + index, list(item.cells.values()))])
    return found


def outcomes(items: list[Item], rows: Iterable[Row]) -> list[Outcome]:
    by_line = {row.line: row for row in rows}
    found = []
    for index, item in enumerate(items):
        row = by_line.get(FIRST_LINE + index)
        if row is None:
            found.append(Outcome(index, item.cells.get("reference", ""), "refuse", item.errors or EMPTY))
            continue
        found.append(outcome_of(index, item, row))
    find_new_files(found, [by_line.get(FIRST_LINE + o.index) for o in found])
    return found


def outcome_of(index: int, item: Item, row: Row) -> Outcome:
    errors = [{"champ": item.paths.get(column, column), "message": message} for column, message in row.errors]
    if row.action == INVALID or errors:
        return Outcome(index, row.cells.get("reference", ""), "refuse", errors)
    known = row.data.get("known") or {}
    case_file = row.data.get("case_file")
    file_id = known.get("pk") if known else (case_file.pk if case_file is not None else None)
    return Outcome(index, row.cells.get("reference", ""), RESULTS[row.action], [], file_id)


def find_new_files(found: list[Outcome], rows: Sequence[Row | None]) -> None:
    """The files the candidates rows opened: by their organisation's reference."""
    wanted = {
        (row.data["site"].organisation_id, row.data["reference"]): outcome
        for outcome, row in zip(found, rows, strict=True)
        if row is not None
        and outcome.result == "cree"
        and outcome.case_file_id is None
        and "site" in row.data
    }
    if not wanted:
        return
    condition = Q(pk__in=[])
    for organisation_id, reference in wanted:
        condition |= Q(evaluation_site__organisation_id=organisation_id, reference=reference)
    for pk, organisation_id, reference in CaseFile.objects.filter(condition).values_list(
        "pk", "evaluation_site__organisation_id", "reference"
    ):
        if (organisation_id, reference) in wanted:
            wanted[(organisation_id, reference)].case_file_id = pk


def same_fields(items: list[Item]) -> None:
    """A lot made into a file has one header: every item must send the same fields (a field missing from one
    item would be an empty cell, which clears it). Else the request is refused, naming the first item that
    differs."""
    sent = [(index, item) for index, item in enumerate(items) if not item.errors]
    if not sent:
        return
    first = set(sent[0][1].cells)
    for index, item in sent[1:]:
        fields = set(item.cells)
        if fields != first:
            missing, extra = sorted(first - fields), sorted(fields - first)
            told = [
                f"absents : {', '.join(missing)}" if missing else "",
                f"en plus : {', '.join(extra)}" if extra else "",
            ]
            raise Invalid(
                "Dans un lot traité en arrière-plan, chaque élément envoie les mêmes champs (null pour "
                "effacer une valeur) : voir « errors ».",
                [
                    {
                        "champ": f"elements[{index}]",
                        "message": "champs différents du premier élément ("
                        + " ; ".join(t for t in told if t)
                        + ").",
                    }
                ],
            )


def as_csv(items: list[Item]) -> bytes:
    """The items (those not refused already) as the CSV file an organisation would upload (`;`, UTF-8): an
    import of its own. Their fields are the same (`same_fields`)."""
    kept = [item for item in items if not item.errors]
    header = list(dict.fromkeys(name for item in kept for name in item.cells))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    for item in kept:
        writer.writerow([item.cells.get(name, "") for name in header])
    return out.getvalue().encode("utf-8")
