"""Organisations and sites (initial migration): one row is one establishment (SIRET) of an organisation
(SIREN); each is created or updated through the accreditation services, which audit every write."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from accreditation.models import Department, Organisation, Site
from accreditation.scoping import scope_of
from accreditation.selectors import organisations_for
from accreditation.services import add_site, register_organisation, update_organisation, update_site
from accreditation.validators import (
    department_of_postcode,
    normalise_number,
    validate_nda,
    validate_siren,
    validate_siret,
)
from backoffice.core.accounts.types import Actor

from .. import cells
from ..cells import CellError
from .base import INVALID, NEW, UNCHANGED, UPDATED, Checker, Column, Contract, Row

SITE_FIELDS = ("name", "address", "postcode", "city", "department")


class OrganisationsContract(Contract):
    key = "organisations"
    label = "Organismes et établissements"
    columns = (
        Column("siren", True, "SIREN de l'organisme (9 chiffres, clé de contrôle vérifiée)", "732829320"),
        Column(
            "raison_sociale",
            True,
            "Raison sociale de l'organisme (la même sur toutes les lignes d'un SIREN)",
            "Formations du Centre",
        ),
        Column(
            "nda",
            False,
            "Numéro de déclaration d'activité (11 chiffres), le même sur toutes les lignes d'un SIREN ; "
            "vide : inchangé",
            "11755555555",
        ),
        Column(
            "siret",
            True,
            "SIRET de l'établissement (14 chiffres, commence par le SIREN) : une ligne par SIRET",
            "73282932000074",
        ),
        Column("nom_etablissement", True, "Nom de l'établissement", "Formations du Centre – Saint-Denis"),
        Column("adresse", True, "Numéro et voie", "12 rue de la République"),
        Column("code_postal", True, "Code postal (5 chiffres, dans le département)", "93200"),
        Column("commune", True, "Commune", "Saint-Denis"),
        Column(
            "departement",
            True,
            "Code INSEE du département (93, 2A, 971…) : la région de l'établissement en découle",
            "93",
        ),
    )

    def checker(self, job: Any, *, applying: bool) -> Checker:
        return OrganisationsChecker(job.uploaded_by, lock=applying, legacy_batch_id=job.legacy_batch_id)


class OrganisationsChecker(Checker):
    def __init__(self, actor: Actor, *, lock: bool = False, legacy_batch_id: int | None = None) -> None:
        self.actor, self.lock, self.scope = actor, lock, scope_of(actor)
        self.legacy_batch_id = legacy_batch_id  # a takeover: what the file creates carries its batch
        self.departments = {d.code: d for d in Department.objects.select_related("region")}
        self.visible: set[int] | None = (
            None if self.scope.national else set(organisations_for(actor).values_list("pk", flat=True))
        )
        self.organisations: dict[str, Organisation] = {}
        self.sites: dict[str, Site] = {}
        self.first_siret: dict[str, int] = {}
        self.first_siren: dict[str, tuple[int, str, str]] = {}

    def check(self, batch: list[Row]) -> None:
        self._load(batch)
        for row in batch:
            self._check_row(row)
            if not row.valid:
                row.action = INVALID

    def _load(self, batch: list[Row]) -> None:
        """The batch's organisations and sites already recorded; locked while applying."""
        sirens = {normalise_number(row.cells.get("siren", "")) for row in batch} - set(self.organisations)
        sirets = {normalise_number(row.cells.get("siret", "")) for row in batch} - set(self.sites)
        organisations = Organisation.objects.filter(siren__in=sirens)
        sites = Site.objects.filter(siret__in=sirets).select_related("organisation", "department")
        if self.lock:
            organisations = organisations.select_for_update()
            sites = sites.select_for_update(of=("self",))
        self.organisations.update({o.siren: o for o in organisations})
        self.sites.update({s.siret: s for s in sites})

    def _check_row(self, row: Row) -> None:
        siren = row.read("siren", lambda v: _number(v, validate_siren))
        legal_name = row.read("raison_sociale", lambda v: _text(v, 200))
        nda = row.read("nda", lambda v: _number(v, validate_nda) if v else "")
        siret = row.read("siret", lambda v: _number(v, validate_siret))
        fields = {
            "name": row.read("nom_etablissement", lambda v: _text(v, 200)),
            "address": row.read("adresse", lambda v: _text(v, 300)),
            "postcode": row.read("code_postal", cells.postcode),
            "city": row.read("commune", lambda v: _text(v, 100)),
            "department": row.read("departement", self._department),
        }
        if siren and siret and not siret.startswith(siren):
            row.fail("siret", f"le SIRET {siret} ne commence pas par le SIREN {siren} de la ligne.")
        department, postcode = fields["department"], fields["postcode"]
        if department and postcode and department_of_postcode(postcode) != department.code:
            row.fail("code_postal", f"le code postal {postcode} n'est pas dans le département {department}.")
        if not row.valid or not self._in_scope(row, department) or self._repeated(row, siren, siret):
            return
        first_of_siren = self._same_organisation(row, siren, legal_name, nda)
        if not row.valid:
            return
        organisation, site = self.organisations.get(siren), self.sites.get(siret)
        row.data = {"siren": siren, "legal_name": legal_name, "nda": nda, "siret": siret, "site": fields}
        row.changes = self._organisation_changes(row, organisation) if first_of_siren else {}
        if site is not None:
            row.changes.update(self._site_changes(row, site))
        if not row.valid:
            return
        if organisation is None or site is None:
            row.action = NEW
        else:
            row.action = UPDATED if row.changes else UNCHANGED

    def _department(self, value: str) -> Department:
        code = value.strip().upper()
        if not code:
            raise CellError("obligatoire.")
        if code.isdigit() and len(code) == 1:  # a spreadsheet dropped the leading zero (01 → 1)
            code = "0" + code
        if code not in self.departments:
            raise CellError(f"département « {value[:10]} » inconnu : indiquez son code INSEE (93, 2A, 971…).")
        return self.departments[code]

    def _in_scope(self, row: Row, department: Department) -> bool:
        if self.scope.national or department.region_id in self.scope.region_ids:
            return True
        row.fail(
            "departement",
            f"le département {department} ({department.region}) n'est pas dans votre périmètre : "
            "la ligne n'est pas importée.",
        )
        return False

    def _repeated(self, row: Row, siren: str, siret: str) -> bool:
        first = self.first_siret.setdefault(siret, row.line)
        if first != row.line:
            row.fail(
                "siret", f"SIRET {siret} déjà présent ligne {first} : une seule ligne par établissement."
            )
            return True
        return False

    def _same_organisation(self, row: Row, siren: str, legal_name: str, nda: str) -> bool:
        """One organisation, one identity in the file; True on the SIREN's first line (which carries it)."""
        line, name, number = self.first_siren.setdefault(siren, (row.line, legal_name, nda))
        if line == row.line:
            return True
        if name != legal_name:
            row.fail(
                "raison_sociale",
                f"le SIREN {siren} a la raison sociale « {name[:60]} » ligne {line} : "
                "une seule raison sociale par organisme.",
            )
        if nda != number:
            row.fail(
                "nda",
                f"le SIREN {siren} a le numéro de déclaration « {number} » ligne {line} : "
                "un seul par organisme.",
            )
        return False

    def _organisation_changes(self, row: Row, organisation: Organisation | None) -> dict[str, Any]:
        if organisation is None:
            return {}
        wanted = {"legal_name": row.data["legal_name"], "nda": row.data["nda"] or organisation.nda}
        changes = {
            name: (getattr(organisation, name), value)
            for name, value in wanted.items()
            if getattr(organisation, name) != value
        }
        if changes and self.visible is not None and organisation.pk not in self.visible:
            row.fail(
                "raison_sociale",
                "cet organisme n'est pas dans votre périmètre : sa raison sociale et son numéro de "
                "déclaration ne changent pas par votre import.",
            )
        return changes

    def _site_changes(self, row: Row, site: Site) -> dict[str, Any]:
        organisation = self.organisations.get(row.data["siren"])
        if organisation is None or site.organisation_id != organisation.pk:
            row.fail("siret", f"ce SIRET est enregistré pour un autre organisme ({site.organisation}).")
            return {}
        if not (self.scope.national or site.region_id in self.scope.region_ids):
            row.fail(
                "siret",
                f"l'établissement {site.name} est rattaché à une région hors de votre périmètre : "
                "la ligne n'est pas importée.",
            )
            return {}
        return {
            name: (getattr(site, name), value)
            for name, value in row.data["site"].items()
            if getattr(site, name) != value
        }

    def apply(self, batch: list[Row]) -> None:
        for row in batch:
            if row.action not in (NEW, UPDATED):
                continue
            try:
                with transaction.atomic():
                    self._write(row)
            except ValidationError as error:
                # Changed since the check: the row's savepoint is rolled back, the row counts as an error.
                row.fail("", " ".join(error.messages))
                row.action = INVALID
                self._reload(row.data["siren"], row.data["siret"])

    def _write(self, row: Row) -> None:
        data, changes = row.data, row.changes
        organisation = self.organisations.get(data["siren"])
        if organisation is None:
            organisation = register_organisation(
                siren=data["siren"], legal_name=data["legal_name"], nda=data["nda"], actor=self.actor
            )
            self._mark(organisation)
            self.organisations[organisation.siren] = organisation
        organisation_changes = {k: v for k, (_, v) in changes.items() if k in ("legal_name", "nda")}
        if organisation_changes:
            update_organisation(organisation, actor=self.actor, **organisation_changes)
        site = self.sites.get(data["siret"])
        if site is None:
            self.sites[data["siret"]] = self._mark(
                add_site(organisation, siret=data["siret"], actor=self.actor, **data["site"])
            )
            return
        site_changes = {k: v for k, (_, v) in changes.items() if k in SITE_FIELDS}
        if site_changes:
            covered = _moved_coverage(site, site_changes.get("department"))
            update_site(site, actor=self.actor, departments_covered=covered, **site_changes)

    def _mark(self, record: Any) -> Any:
        """A record created by a takeover carries its batch (listed, counted, undone with it)."""
        if self.legacy_batch_id is not None:
            type(record).objects.filter(pk=record.pk).update(legacy_batch_id=self.legacy_batch_id)
            record.legacy_batch_id = self.legacy_batch_id
        return record

    def _reload(self, siren: str, siret: str) -> None:
        self.organisations.pop(siren, None)
        self.sites.pop(siret, None)
        self.organisations.update({o.siren: o for o in Organisation.objects.filter(siren=siren)})
        self.sites.update({s.siret: s for s in Site.objects.filter(siret=siret)})


def _moved_coverage(site: Site, department: Department | None) -> list[Department] | None:
    """A site covering only its own department keeps doing so when it moves; other coverage is kept."""
    if department is None:
        return None
    covered = list(site.departments_covered.all())
    return [department] if [d.pk for d in covered] == [site.department_id] else None


def _number(value: str, validate: Callable[[str], None]) -> str:
    number = normalise_number(value)
    if not number:
        raise CellError("obligatoire.")
    try:
        validate(number)
    except ValidationError as error:
        raise CellError(" ".join(error.messages)) from error
    return number


def _text(value: str, max_length: int) -> str:
    return cells.text(" ".join(value.split()), required=True, max_length=max_length)
