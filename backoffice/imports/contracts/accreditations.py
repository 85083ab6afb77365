"""Accreditations taken over from the old system (`habilitations`), with their dated status history.

One row per status change: the rows of one SIRET × certification × role × start date are one accreditation
(its grant, then its changes, in any order). Each accreditation is written whole or not at all, through the
accreditation services (grant, then each change back-dated to its day), inside `recovered()`: the audit
events carry their historical day and the migration batch, and nobody is notified.

The rows of one accreditation may lie far apart in the file, so the checker reads the whole file once when
it starts (a file of this kind holds thousands of rows, not millions) and judges each accreditation on all
its rows; the batches then take each row's verdict, and the first batch that holds one of its rows writes it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accreditation.models import (
    Accreditation,
    AccreditationRole,
    AccreditationStatus,
    AccreditationStatusChange,
    Certification,
    Site,
)
from accreditation.rules import certification_start, default_valid_to
from accreditation.services import (
    EXPIRY_REASON,
    expire_accreditation,
    expiry_day,
    grant_accreditation,
    refused_transition,
    reinstate_accreditation,
    suspend_accreditation,
    withdraw_accreditation,
)
from backoffice.core.accounts.types import SystemActor
from backoffice.core.audit.events import recovered
from backoffice.core.audit.models import AuditEvent

from .. import cells
from ..reading import ImportFileError, open_table
from .base import INVALID, NEW, UNCHANGED, Checker, Column, Contract, Row, rows_of

MAX_ROWS = 100_000  # the whole file is read at once (see above): split a larger one by organisation
ROLES = {
    "evaluateur": AccreditationRole.EVALUATOR,
    "evaluatrice": AccreditationRole.EVALUATOR,
    "evaluator": AccreditationRole.EVALUATOR,
    "formateur": AccreditationRole.TRAINER,
    "formatrice": AccreditationRole.TRAINER,
    "trainer": AccreditationRole.TRAINER,
}
REINSTATEMENTS = ("retablie", "retabli", "retablissement", "reactivee")  # always a change, never the grant
STATUSES = {
    **dict.fromkeys(("active", "actif", "accordee", "accorde"), AccreditationStatus.ACTIVE),
    **dict.fromkeys(REINSTATEMENTS, AccreditationStatus.ACTIVE),
    **dict.fromkeys(("suspendue", "suspendu", "suspension"), AccreditationStatus.SUSPENDED),
    **dict.fromkeys(("retiree", "retire", "retrait"), AccreditationStatus.WITHDRAWN),
    **dict.fromkeys(("expiree", "expire", "expiration", "echue"), AccreditationStatus.EXPIRED),
}
CERTIFICATIONS = "CLEA, CLEA_NUM ou CLEA_MGT"
STATUS_CODES = "active, suspendue, retablie, retiree ou expiree"
NEEDS_REASON = (AccreditationStatus.SUSPENDED, AccreditationStatus.WITHDRAWN)
# The old system did not always say why a suspension was lifted; the service wants a reason.
REINSTATED_WITHOUT_REASON = "Suspension levée (motif non indiqué dans l'ancien système)"
SAME_SCOPE = "pour le même établissement, la même certification et le même rôle"

Key = tuple[str, str, str, dt.date]  # SIRET, certification code, role, start: one accreditation
History = list[tuple[str, dt.date, str]]  # (status, effective on, reason), in date order


class AccreditationsContract(Contract):
    key = "habilitations"
    label = "Habilitations (reprise de l'historique)"
    writes = (Accreditation, AccreditationStatusChange, AuditEvent)
    columns = (
        Column(
            "siret",
            True,
            "SIRET de l'établissement habilité (importé avant, par le fichier des organismes)",
            "73282932000074",
        ),
        Column("certification", True, CERTIFICATIONS, "CLEA"),
        Column("role", True, "evaluateur ou formateur", "evaluateur"),
        Column(
            "date_debut",
            True,
            "Début de validité, jj/mm/aaaa : avec le SIRET, la certification et le rôle, il désigne "
            "l'habilitation (une ligne par changement de statut)",
            "01/09/2019",
        ),
        Column(
            "date_fin",
            False,
            "Fin de validité (incluse), jj/mm/aaaa ; vide : la durée par défaut (3 ans) ; "
            "la même sur toutes les lignes de l'habilitation",
            "31/08/2022",
        ),
        Column(
            "statut",
            False,
            f"{STATUS_CODES} ; vide (ou active à la date de début) : la ligne de l'accord",
            "",
        ),
        Column("date_statut", False, "Date d'effet du changement de statut, jj/mm/aaaa", ""),
        Column(
            "motif",
            False,
            "Motif du changement (obligatoire pour une suspension ou un retrait), 500 caractères au plus",
            "",
        ),
    )

    def checker(self, job: Any, *, applying: bool) -> Checker:
        return AccreditationsChecker(job, applying=applying)

    def template_rows(self) -> list[list[str]]:
        granted = ["73282932000074", "CLEA", "evaluateur", "01/09/2019", "31/08/2022"]
        return [
            [*granted, "", "", ""],
            [*granted, "suspendue", "15/03/2021", "Contrôle qualité : dossiers incomplets"],
            [*granted, "retablie", "10/05/2021", "Dossiers complétés"],
        ]


@dataclass
class Entry:
    """One line of the file, read: the accreditation it names (None when unreadable), the change it says."""

    line: int
    errors: list[tuple[str, str]]
    key: Key | None = None
    certification: Certification | None = None
    valid_to: dt.date | None = None
    status: str = ""  # "" for the grant's line
    on: dt.date | None = None
    reason: str = ""

    def fail(self, column: str, message: str) -> None:
        self.errors.append((column, message))


@dataclass
class Change:
    status: str
    on: dt.date
    reason: str
    line: int  # 0: the expiry the rule adds


@dataclass
class Group:
    """The rows of one accreditation and what they say together."""

    key: Key
    entries: list[Entry]
    valid_to: dt.date | None = None  # None when the rows disagree
    changes: list[Change] = field(default_factory=list)

    @property
    def first_line(self) -> int:
        return self.entries[0].line

    @property
    def period(self) -> str:
        return f"du {self.key[3]:%d/%m/%Y} au {self.valid_to:%d/%m/%Y}"


class AccreditationsChecker(Checker):
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

    # Checking a batch

    def check(self, batch: list[Row]) -> None:
        keys = {self.key_of_line[row.line] for row in batch if row.line in self.key_of_line} - self.judged
        self._load({key[0] for key in keys})
        for key in sorted(keys, key=lambda k: self.groups[k].first_line):
            self._judge(self.groups[key])
            self.judged.add(key)
        for row in batch:
            action, errors = self.verdicts.get(
                row.line, (INVALID, [("", "ligne introuvable à la relecture du fichier.")])
            )
            row.action, row.errors = action, list(errors)

    def _load(self, sirets: set[str]) -> None:
        """The batch's sites, and every accreditation of theirs with its history (three queries)."""
        wanted = sirets - set(self.sites)
        if not wanted:
            return
        sites = Site.objects.filter(siret__in=wanted)
        if self.lock:  # the grants take these locks too: nobody accredits these sites meanwhile
            sites = sites.select_for_update()
        found = {site.siret: site for site in sites}
        self.sites.update({siret: found.get(siret) for siret in wanted})
        recorded = Accreditation.objects.filter(site__in=found.values()).prefetch_related("status_changes")
        for accreditation in recorded:
            scope = (accreditation.site_id, accreditation.certification_id, accreditation.role)
            self.recorded[scope].append(accreditation)

    def _judge(self, group: Group) -> None:
        site = self.sites.get(group.key[0])
        if site is None:
            for entry in group.entries:
                entry.fail(
                    "siret",
                    f"SIRET {group.key[0]} inconnu : aucun établissement enregistré sous ce numéro "
                    "(importez d'abord le fichier des organismes et établissements).",
                )
        if group.valid_to is not None and not self._failed(group):
            group.changes = self._history(group, group.valid_to)
        action = INVALID
        if site is not None and not self._failed(group):
            action = self._compare(group, site)
        self._decide(group, action)

    def _history(self, group: Group, valid_to: dt.date) -> list[Change]:
        """The changes in date order (the file's order on one day), each allowed from the one before it;
        then the expiry the daily run would have recorded, when the validity has ended meanwhile."""
        start = group.key[3]
        dated = sorted(
            (e for e in group.entries if e.status), key=lambda e: (e.on or expiry_day(valid_to), e.line)
        )
        grant_line = next((e.line for e in group.entries if not e.status), None)
        status, previous = AccreditationStatus.ACTIVE.value, f"l'accord du {start:%d/%m/%Y}"
        if grant_line:
            previous += f" (ligne {grant_line})"
        changes = []
        for entry in dated:
            on = entry.on or expiry_day(valid_to)
            problem = self._misdated(entry.status, on, start, valid_to)
            if problem:
                entry.fail("date_statut", problem)
                return []
            refused = refused_transition(status, AccreditationStatus(entry.status))
            if refused:
                entry.fail("statut", f"après {previous}, {refused[0].lower()}{refused[1:]}")
                return []
            word = AccreditationStatus(entry.status).label.lower()
            status, previous = entry.status, f"le statut « {word} » du {on:%d/%m/%Y} (ligne {entry.line})"
            changes.append(Change(entry.status, on, entry.reason, entry.line))
        ended = expiry_day(valid_to) <= self.today
        if ended and status in (AccreditationStatus.ACTIVE, AccreditationStatus.SUSPENDED):
            changes.append(Change(AccreditationStatus.EXPIRED, expiry_day(valid_to), EXPIRY_REASON, 0))
        return changes

    def _misdated(self, status: str, on: dt.date, start: dt.date, valid_to: dt.date) -> str:
        if status == AccreditationStatus.EXPIRED:
            if on < expiry_day(valid_to):
                return (
                    f"une habilitation valide jusqu'au {valid_to:%d/%m/%Y} expire le "
                    f"{expiry_day(valid_to):%d/%m/%Y} au plus tôt."
                )
            if on > self.today:
                return f"l'habilitation est valide jusqu'au {valid_to:%d/%m/%Y} : elle n'a pas encore expiré."
            return ""
        if not start <= on <= valid_to:
            return (
                f"le {on:%d/%m/%Y} est hors de la période de l'habilitation "
                f"(du {start:%d/%m/%Y} au {valid_to:%d/%m/%Y})."
            )
        return ""

    def _compare(self, group: Group, site: Site) -> str:
        """New, unchanged (recorded with the same end and history), or an error: a recorded accreditation
        is never changed by a takeover, and no two periods of one scope overlap."""
        _, _, role, start = group.key
        assert group.valid_to is not None and group.entries[0].certification is not None
        certification = group.entries[0].certification
        first = group.entries[0]
        for other in self._same_scope_in_file(group):
            first.fail(
                "date_debut",
                f"la période {group.period} chevauche celle de l'habilitation de la ligne {other.first_line} "
                f"({other.period}) {SAME_SCOPE}.",
            )
            return INVALID
        recorded = self.recorded.get((site.pk, certification.pk, role), [])
        same = next((a for a in recorded if a.valid_from == start), None)
        for accreditation in recorded:
            if accreditation is same or accreditation.status == AccreditationStatus.WITHDRAWN:
                continue
            if accreditation.valid_from <= group.valid_to and accreditation.valid_to >= start:
                first.fail(
                    "date_debut",
                    f"la période {group.period} chevauche l'habilitation enregistrée du "
                    f"{accreditation.valid_from:%d/%m/%Y} au {accreditation.valid_to:%d/%m/%Y} "
                    f"({accreditation.get_status_display().lower()}) {SAME_SCOPE}.",
                )
                return INVALID
        if same is None:
            return NEW
        return self._same_as_recorded(group, same)

    def _same_scope_in_file(self, group: Group) -> Iterator[Group]:
        """The file's other accreditations of the same scope whose period overlaps this one's."""
        assert group.valid_to is not None
        for other in self.by_scope[group.key[:3]]:
            if other is group or other.valid_to is None:
                continue
            if other.key[3] <= group.valid_to and other.valid_to >= group.key[3]:
                yield other

    def _same_as_recorded(self, group: Group, accreditation: Accreditation) -> str:
        first, kept = group.entries[0], "la reprise ne modifie pas une habilitation déjà enregistrée."
        if accreditation.valid_to != group.valid_to:
            first.fail(
                "date_fin",
                f"cette habilitation est déjà enregistrée, valide jusqu'au {accreditation.valid_to:%d/%m/%Y} "
                f"(le fichier dit le {group.valid_to:%d/%m/%Y}) : {kept}",
            )
            return INVALID
        # The file's own changes; the expiry the rule adds is the daily run's, whatever day it ran.
        wanted = [(AccreditationStatus.ACTIVE.value, group.key[3], "")] + [
            (c.status, c.on, c.reason) for c in group.changes if c.line
        ]
        history = _recorded_history(accreditation)
        stated = wanted[-1][0] == AccreditationStatus.EXPIRED
        if not stated and history[-1][0] == AccreditationStatus.EXPIRED:
            history = history[:-1]
        if history != wanted:
            first.fail(
                "statut",
                f"cette habilitation est déjà enregistrée avec un autre historique ({_described(history)} ; "
                f"le fichier : {_described(wanted)}) : {kept}",
            )
            return INVALID
        return UNCHANGED

    @staticmethod
    def _failed(group: Group) -> bool:
        return any(entry.errors for entry in group.entries)

    def _decide(self, group: Group, action: str) -> None:
        """Every row of the accreditation gets the verdict: all of it is taken over, or none."""
        failed = next((entry.line for entry in group.entries if entry.errors), None)
        for entry in group.entries:
            errors = entry.errors
            if failed is not None and not errors:
                errors = [("", f"habilitation non reprise : voir l'erreur de la ligne {failed}.")]
            self.verdicts[entry.line] = (INVALID if failed is not None else action, errors)

    # Writing

    def apply(self, batch: list[Row]) -> None:
        for row in batch:
            key = self.key_of_line.get(row.line)
            if row.action != NEW or key is None or key in self.written:
                continue
            self.written.add(key)
            group = self.groups[key]
            try:
                with transaction.atomic():
                    self._write(group)
            except (ValidationError, PermissionDenied) as error:
                # Changed since the check: the accreditation's savepoint is rolled back, its rows are errors.
                message = " ".join(getattr(error, "messages", [str(error)]))
                self._refuse(group, batch, message)

    def _write(self, group: Group) -> None:
        siret, _, role, start = group.key
        site, certification = self.sites[siret], group.entries[0].certification
        assert site is not None and certification is not None
        with recovered(on=start, batch=self.batch_id):
            accreditation = grant_accreditation(
                site,
                certification=certification,
                role=role,
                valid_from=start,
                valid_to=group.valid_to,
                actor=self.actor,
            )
        for change in group.changes:
            with recovered(on=change.on, batch=self.batch_id):
                if change.status == AccreditationStatus.EXPIRED:
                    expire_accreditation(accreditation, on=change.on)  # the system's act, as every day
                else:
                    _VERBS[change.status](accreditation, reason=change.reason, actor=self.actor, on=change.on)

    def _refuse(self, group: Group, batch: list[Row], message: str) -> None:
        errors = [("", message)]
        for entry in group.entries:
            self.verdicts[entry.line] = (INVALID, errors)
        for row in batch:
            if self.key_of_line.get(row.line) == group.key:
                row.action, row.errors = INVALID, list(errors)


_VERBS: dict[str, Callable[..., Accreditation]] = {
    AccreditationStatus.SUSPENDED: suspend_accreditation,
    AccreditationStatus.ACTIVE: reinstate_accreditation,
    AccreditationStatus.WITHDRAWN: withdraw_accreditation,
}


def _recorded_history(accreditation: Accreditation) -> History:
    """The dated changes recorded (prefetched); for a row older than the history, what it says itself."""
    changes = [(c.status, c.effective_on, c.reason) for c in accreditation.status_changes.all()]
    if changes:
        return changes
    history: History = [(AccreditationStatus.ACTIVE.value, accreditation.valid_from, "")]
    if accreditation.status != AccreditationStatus.ACTIVE:
        history.append((accreditation.status, accreditation.status_changed_on, accreditation.status_reason))
    return history


def _described(history: History) -> str:
    words = [
        f"{AccreditationStatus(status).label.lower()} le {on:%d/%m/%Y}"
        + (f" (« {reason} »)" if reason else "")
        for status, on, reason in history
    ]
    return ", ".join(words)
