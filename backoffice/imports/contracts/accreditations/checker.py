"""The accreditations checker: each accreditation judged on all its rows (read whole by `reading`), then
written whole or not at all, through the accreditation services, at its historical days."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accreditation.models import Accreditation, AccreditationStatus, Site
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
from backoffice.core.audit.events import recovered

from ..base import INVALID, NEW, UNCHANGED, Row
from .contract import SAME_SCOPE
from .history import Change, Group, _described, _recorded_history
from .reading import FileReading


class AccreditationsChecker(FileReading):
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
