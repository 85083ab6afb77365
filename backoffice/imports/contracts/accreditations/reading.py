"""The accreditations checker's first part: the job's state, and the whole file read once when it starts,
its rows grouped by accreditation (each is judged later on all its rows: `checker`)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from accreditation.models import Accreditation, AccreditationStatus, Certification, Site
from accreditation.rules import certification_start, default_valid_to
from accreditation.services import EXPIRY_REASON
from backoffice.core.accounts.types import SystemActor

from ... import cells
from ...reading import ImportFileError, open_table
from ..base import INVALID, Checker, Row, rows_of
from .contract import (
    CERTIFICATIONS,
    MAX_ROWS,
    NEEDS_REASON,
    REINSTATED_WITHOUT_REASON,
    REINSTATEMENTS,
    ROLES,
    STATUS_CODES,
    STATUSES,
    AccreditationsContract,
)
from .history import Entry, Group, Key


class FileReading(Checker):
    """Reads the whole file when it starts; `AccreditationsChecker` then checks and writes the batches."""

    def __init__(self, job: Any, *, applying: bool) -> None:
        # The changes are a supervisor's decisions: the person who confirmed the import takes them over.
        self.actor: SystemActor = job.confirmed_by if applying else job.uploaded_by
        self.batch_id: int | None = job.legacy_batch_id
        self.lock, self.today = applying, timezone.localdate()
        self.certifications = {cells.plain(c.code): c for c in Certification.objects.all()}
        self.verdicts: dict[int, tuple[str, list[tuple[str, str]]]] = {}  # line -> (action, errors)
        self.groups: dict[Key, Group] = {}
        self.by_scope: dict[tuple[str, str, str], list[Group]] = defaultdict(list)  # SIRET, code, role
        self.key_of_line: dict[int, Key] = {}
        self.judged: set[Key] = set()
        self.sites: dict[str, Site | None] = {}
        self.recorded: dict[tuple[int, int, str], list[Accreditation]] = defaultdict(list)
        self.written: set[Key] = set()
        self._read_file(job)

    # Reading the whole file

    def _read_file(self, job: Any) -> None:
        for entry in self._entries(job):
            if entry.key is None:
                self.verdicts[entry.line] = (INVALID, entry.errors)
                continue
            if entry.key not in self.groups:
                self.groups[entry.key] = Group(entry.key, [])
                self.by_scope[entry.key[:3]].append(self.groups[entry.key])
            self.groups[entry.key].entries.append(entry)
            self.key_of_line[entry.line] = entry.key
        for group in self.groups.values():
            group.valid_to = self._period_end(group)

    def _entries(self, job: Any) -> Iterator[Entry]:
        # A handle of its own: the import's run opens the job's file again, from the start.
        with job.file.storage.open(job.file.name, "rb") as handle:
            table = open_table(handle, size=job.size)
            AccreditationsContract().check_header(table.columns)
            for count, row in enumerate(rows_of(table.columns, table.rows), start=1):
                if count > MAX_ROWS:
                    most = f"{MAX_ROWS:,}".replace(",", " ")
                    raise ImportFileError(
                        f"Un fichier d'habilitations compte au plus {most} lignes : découpez-le par "
                        "organisme (les lignes d'une habilitation dans le même fichier)."
                    )
                yield self._entry(row)

    def _entry(self, row: Row) -> Entry:
        siret = row.read("siret", cells.siret)
        certification = row.read("certification", self._certification)
        role = row.read(
            "role",
            lambda v: cells.choice(v, ROLES, required=True, label="un rôle", shown=["evaluateur, formateur"]),
        )
        start = row.read("date_debut", cells.date)
        valid_to = row.read("date_fin", lambda v: cells.date(v, required=False))
        status = row.read(
            "statut",
            lambda v: cells.choice(v, STATUSES, required=False, label="un statut", shown=[STATUS_CODES]),
        )
        on = row.read("date_statut", lambda v: cells.date(v, required=False))
        reason = row.read("motif", lambda v: cells.text(" ".join(v.split()), required=False, max_length=500))
        self._check_dates(row, certification, start, valid_to, on)
        entry = Entry(row.line, row.errors, certification=certification, valid_to=valid_to)
        reinstated = cells.plain(row.cells.get("statut", "")) in REINSTATEMENTS
        if status and not (status == AccreditationStatus.ACTIVE and not reinstated and on in (None, start)):
            entry.status, entry.on, entry.reason = status, on, reason or ""
            self._check_change(entry)
        elif on and on != start:
            entry.fail(
                "date_statut", "une date de statut va avec un statut : indiquez-le, ou videz la cellule."
            )
        if siret and certification and role and start:
            entry.key = (siret, certification.code, role, start)
        return entry

    def _certification(self, value: str) -> Any:
        """The certification of a code (`choice` returns what the code maps to)."""
        options: Any = self.certifications
        return cells.choice(value, options, required=True, label="une certification", shown=[CERTIFICATIONS])

    def _check_dates(
        self,
        row: Row,
        certification: Certification | None,
        start: dt.date | None,
        valid_to: dt.date | None,
        on: dt.date | None,
    ) -> None:
        if start and start > self.today:
            row.fail("date_debut", "la date de début ne peut pas être dans le futur.")
        first = certification_start(certification.code) if certification else None
        if start and certification and first and start < first:
            row.fail(
                "date_debut",
                f"{certification.name} n'existait pas avant {first:%Y} : une habilitation ne peut pas "
                f"commencer le {start:%d/%m/%Y}.",
            )
        if start and valid_to and valid_to <= start:
            row.fail(
                "date_fin", f"la date de fin doit être postérieure à la date de début ({start:%d/%m/%Y})."
            )
        if on and on > self.today:
            row.fail("date_statut", "la date du statut ne peut pas être dans le futur.")

    @staticmethod
    def _check_change(entry: Entry) -> None:
        if entry.on is None and entry.status != AccreditationStatus.EXPIRED:
            entry.fail("date_statut", "obligatoire avec un statut : la date d'effet du changement.")
        if entry.status in NEEDS_REASON and not entry.reason:
            entry.fail("motif", "obligatoire pour une suspension ou un retrait.")
        if entry.status == AccreditationStatus.ACTIVE and not entry.reason:
            entry.reason = REINSTATED_WITHOUT_REASON
        if entry.status == AccreditationStatus.EXPIRED:
            entry.reason = EXPIRY_REASON  # an expiry has no other reason

    def _period_end(self, group: Group) -> dt.date | None:
        """The end the rows give (one for all), or the default rule's when none does."""
        given = [(entry.line, entry.valid_to) for entry in group.entries if entry.valid_to]
        for line, valid_to in given[1:]:
            if valid_to != given[0][1]:
                entry = next(entry for entry in group.entries if entry.line == line)
                entry.fail(
                    "date_fin",
                    f"date de fin différente de celle de la ligne {given[0][0]} ({given[0][1]:%d/%m/%Y}) : "
                    "une habilitation a une seule période.",
                )
                return None
        if given:
            return given[0][1]
        try:
            return default_valid_to(group.key[3])
        except ValidationError:  # a start in year 9999: already an error (in the future)
            return None
