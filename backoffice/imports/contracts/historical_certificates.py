"""Certificates issued before go-live (`certificats_historiques`), with their numbers as issued: one row takes
over one certificate of the old system — its holder (found by the identity rule, or created), a closed file
"certifié (reprise)", the historical jury session of its region and day, the certificate, and the file's
events dated on their historical days (`casefiles.services.legacy.take_over_certificates`)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db.models.functions import Upper
from django.utils import timezone

from accreditation.models import Certification, FrameworkStatus, FrameworkVersion, Region, Site
from accreditation.scoping import scope_of
from backoffice.core.audit.models import AuditEvent
from backoffice.core.bulksql import index_lookups
from casefiles.models import (
    Candidate,
    CaseFile,
    Certificate,
    CertificateCounter,
    CertificateStatus,
    JurySession,
    Sex,
)
from casefiles.rules.identity import born, identity_key
from casefiles.rules.numbering import is_current_format, lookup_forms, number_as_issued
from casefiles.rules.takeover import awarded_before_it_existed, version_in_force
from casefiles.services.legacy import CertificateToTakeOver, lock_people, take_over_certificates

from .. import cells
from ..reading import ImportFileError
from .base import INVALID, NEW, UNCHANGED, Checker, Column, Contract, Row
from .birth import BIRTH_COLUMNS, check_birthplace, read_birth

_T = TypeVar("_T")
SEXES = {"f": Sex.FEMALE, "m": Sex.MALE}
YES_NO = {
    "oui": True,
    "o": True,
    "1": True,
    "vrai": True,
    "non": False,
    "n": False,
    "0": False,
    "faux": False,
}
CERTIFICATION_CODES = "CLEA, CLEA_NUM ou CLEA_MGT"


class HistoricalCertificatesContract(Contract):
    key = "certificats_historiques"
    label = "Certificats délivrés avant la mise en service (reprise)"
    writes = (Candidate, CaseFile, JurySession, Certificate, CertificateCounter, AuditEvent)
    columns = (
        Column(
            "numero",
            True,
            "Numéro du certificat tel que délivré (ancien format accepté)",
            "CLEA-2019-IDF-000123",
        ),
        Column("certification", True, CERTIFICATION_CODES, "CLEA"),
        Column("nom", True, "Nom du·de la titulaire, tel qu'imprimé", "Martin"),
        Column("prenom", True, "Prénom du·de la titulaire", "Léa"),
        Column("date_naissance", True, "jj/mm/aaaa", "14/03/1990"),
        Column("sexe", False, "F, M ou vide", "F"),
        *BIRTH_COLUMNS,
        Column(
            "lieu_naissance",
            False,
            "Lieu de naissance en toutes lettres (vérifié, non conservé : indiquez le code dans "
            "commune_naissance ou pays_naissance)",
            "",
        ),
        Column("date_attribution", True, "Date d'attribution du certificat, jj/mm/aaaa", "12/03/2019"),
        Column("region", True, "Code de la région du jury (IDF, ARA…)", "IDF"),
        Column("date_jury", True, "Date de la session du jury, jj/mm/aaaa", "12/03/2019"),
        Column(
            "siret_evaluateur",
            True,
            "SIRET de l'établissement évaluateur (déjà enregistré)",
            "12345678900012",
        ),
        Column("retire", False, "oui ou non (vide : non)", "non"),
        Column("date_retrait", False, "Date du retrait, si retiré", ""),
        Column("motif_retrait", False, "Motif du retrait, si retiré", ""),
        Column("transmis", False, "Transmis au système du compte formation : oui ou non (vide : non)", "oui"),
        Column("date_transmission", False, "Date de la transmission, si transmis", "20/03/2019"),
    )

    def checker(self, job: Any, *, applying: bool) -> Checker:
        if job.legacy_batch_id is None:
            raise ImportFileError(
                "Ce fichier de reprise n'appartient à aucun lot de reprise : "
                "déposez-le dans un lot de reprise."
            )
        return HistoricalCertificatesChecker(job, lock=applying)


class HistoricalCertificatesChecker(Checker):
    def __init__(self, job: Any, *, lock: bool = False) -> None:
        self.actor, self.batch_id, self.lock = job.uploaded_by, job.legacy_batch_id, lock
        self.source = {"import": job.pk}
        self.today = timezone.localdate()
        self.scope = scope_of(self.actor)
        self.certifications = {cells.plain(c.code): c for c in Certification.objects.all()}
        self.regions = {cells.plain(r.code): r for r in Region.objects.all()}
        region_codes = ", ".join(sorted(r.code for r in self.regions.values()))
        self.read_certification = _code_of(
            self.certifications, "un code de certification", CERTIFICATION_CODES
        )
        self.read_region = _code_of(self.regions, "un code de région", region_codes)
        self.sites = {s.siret: s for s in Site.objects.only("pk", "siret", "name", "region_id")}
        self.versions: dict[int, list[tuple[dt.date | None, int]]] = defaultdict(list)
        for pk, certification_id, published_at in FrameworkVersion.objects.exclude(
            status=FrameworkStatus.DRAFT
        ).values_list("pk", "certification_id", "published_at"):
            day = timezone.localdate(published_at) if published_at else None
            self.versions[certification_id].append((day, pk))
        self.seen_numbers: dict[str, int] = {}

    def check(self, batch: list[Row]) -> None:
        for row in batch:
            self._read(row)
        valid = [row for row in batch if row.valid]
        stored = self._stored(valid)
        for row in valid:
            self._compare(row, stored.get(row.data["number"].upper()))
        self._find_people([row for row in valid if row.valid and row.action == NEW])
        for row in batch:
            if not row.valid:
                row.action = INVALID

    # Reading a row

    def _read(self, row: Row) -> None:
        number = row.read("numero", _number)
        certification = row.read("certification", self.read_certification)
        region = row.read("region", self.read_region)
        site = self._site(row)
        person = self._person(row)
        awarded_on = row.read("date_attribution", cells.date)
        jury_on = row.read("date_jury", cells.date)
        revocation = self._revocation(row)
        exported_on = self._transmission(row)
        self._once_in_file(row, number)
        self._in_scope(row, region)
        if not row.valid:
            return
        self._check_dates(
            row, certification, person["birth_date"], awarded_on, jury_on, revocation, exported_on
        )
        framework_id = version_in_force(self.versions.get(certification.pk, []), awarded_on)
        if framework_id is None:
            row.fail("certification", f"aucun référentiel publié pour {certification}.")
        if not row.valid:
            return
        row.data = {
            "number": number,
            "certification": certification,
            "framework_id": framework_id,
            "region": region,
            "site": site,
            "person": person,
            "identity": identity_key(person["last_name"], person["first_name"], person["birth_date"]),
            "awarded_on": awarded_on,
            "jury_on": jury_on,
            "revoked_on": revocation[0],
            "revocation_reason": revocation[1],
            "exported_on": exported_on,
        }

    def _once_in_file(self, row: Row, number: str | None) -> None:
        """A number is given once, whatever its case: a second line with it is an error naming the first."""
        if number is not None:
            first = self.seen_numbers.setdefault(number.upper(), row.line)
            if first != row.line:
                row.fail("numero", f"numéro déjà présent ligne {first}.")

    def _in_scope(self, row: Row, region: Region | None) -> None:
        if region is not None and not (self.scope.national or region.pk in self.scope.region_ids):
            row.fail(
                "region", f"la région {region} n'est pas dans votre périmètre : la ligne n'est pas reprise."
            )

    def _site(self, row: Row) -> Site | None:
        siret = row.read("siret_evaluateur", cells.siret)
        if siret is None:
            return None
        site = self.sites.get(siret)
        if site is None:
            row.fail(
                "siret_evaluateur",
                f"SIRET {siret} inconnu : reprenez d'abord les organismes et établissements (import "
                "« organisations »).",
            )
        return site

    def _person(self, row: Row) -> dict[str, Any]:
        person = {
            "last_name": row.read("nom", cells.person_name),
            "first_name": row.read("prenom", cells.person_name),
            "birth_date": row.read("date_naissance", cells.date),
            "sex": row.read("sexe", lambda v: cells.choice(v, SEXES, required=False, label="un sexe")),
            **read_birth(row),  # kept on a new holder (a person already known keeps their record)
        }
        # Read and checked, not kept: the place as the old system wrote it; the codes above are kept.
        row.read("lieu_naissance", lambda v: cells.text(v, required=False, max_length=100))
        birth = person["birth_date"]
        if birth and not (dt.date(1900, 1, 1) <= birth <= self.today):
            row.fail("date_naissance", "date de naissance invalide (dans le futur ou avant 1900).")
        check_birthplace(row, person)
        return person

    def _revocation(self, row: Row) -> tuple[dt.date | None, str]:
        revoked = row.read("retire", _yes_no)
        day = row.read("date_retrait", lambda v: cells.date(v, required=False))
        reason = row.read("motif_retrait", lambda v: cells.text(v, required=False, max_length=500))
        if revoked:
            if day is None and not _failed(row, "date_retrait"):
                row.fail("date_retrait", "obligatoire pour un certificat retiré (retire = oui).")
            if not reason and not _failed(row, "motif_retrait"):
                row.fail("motif_retrait", "obligatoire pour un certificat retiré (retire = oui).")
        elif revoked is False and (day is not None or reason):
            row.fail("retire", "« non » : laissez date_retrait et motif_retrait vides (ou indiquez « oui »).")
        return (day, reason or "") if revoked else (None, "")

    def _transmission(self, row: Row) -> dt.date | None:
        transmitted = row.read("transmis", _yes_no)
        day = row.read("date_transmission", lambda v: cells.date(v, required=False))
        if transmitted and day is None and not _failed(row, "date_transmission"):
            row.fail("date_transmission", "obligatoire pour un certificat transmis (transmis = oui).")
        elif transmitted is False and day is not None:
            row.fail("transmis", "« non » : laissez date_transmission vide (ou indiquez « oui »).")
        return day if transmitted else None

    def _check_dates(
        self,
        row: Row,
        certification: Certification,
        birth: dt.date,
        awarded_on: dt.date,
        jury_on: dt.date,
        revocation: tuple[dt.date | None, str],
        exported_on: dt.date | None,
    ) -> None:
        if awarded_on > self.today:
            row.fail("date_attribution", "la date d'attribution ne peut pas être dans le futur.")
        start = awarded_before_it_existed(certification.code, awarded_on)
        if start is not None:
            row.fail(
                "date_attribution",
                f"{certification} n'est délivrée que depuis {start.year} : une attribution le "
                f"{awarded_on:%d/%m/%Y} est impossible (date ou certification erronée).",
            )
        if birth >= awarded_on:
            row.fail("date_naissance", "la date de naissance est postérieure à la date d'attribution.")
        if jury_on > awarded_on:
            row.fail(
                "date_jury",
                f"la session du jury ({jury_on:%d/%m/%Y}) ne peut pas suivre l'attribution "
                f"({awarded_on:%d/%m/%Y}).",
            )
        for column, day, what in (
            ("date_retrait", revocation[0], "le retrait"),
            ("date_transmission", exported_on, "la transmission"),
        ):
            if day is not None and not (awarded_on <= day <= self.today):
                row.fail(
                    column,
                    f"{what} ({day:%d/%m/%Y}) doit suivre l'attribution ({awarded_on:%d/%m/%Y}) "
                    "et ne pas être dans le futur.",
                )

    # The batch against the base

    def _stored(self, rows: list[Row]) -> dict[str, dict[str, Any]]:
        """The certificates already recorded under the batch's numbers (as typed or in capitals), by number in
        capitals: a number is never given twice, whatever its case."""
        forms = {form for row in rows for form in lookup_forms(row.data["number"])}
        if not forms:
            return {}
        with index_lookups():
            # Compared in capitals (indexed): « clea-2019-idf-000500 » is « CLEA-2019-IDF-000500 ».
            wanted = sorted({form.upper() for form in forms})
            found = (
                Certificate.objects.alias(upper=Upper("number"))
                .filter(upper__in=wanted)
                .values(
                    "number",
                    "legacy_batch_id",
                    "certification__code",
                    "region__code",
                    "awarded_on",
                    "session__held_on",
                    "status",
                    "revoked_at",
                    "revocation_reason",
                    "exported_at",
                    "holder_last_name",
                    "holder_first_name",
                    "case_file__candidate__identity_key",
                    "case_file__candidate__anonymised_on",
                    "case_file__evaluation_site__siret",
                )
            )
            return {values["number"].upper(): dict(values) for values in found}

    def _compare(self, row: Row, stored: dict[str, Any] | None) -> None:
        """A new number is new; one taken over already with the same data is unchanged (a file imported
        again); any other is an error — a number is never given twice."""
        if stored is None:
            row.action = NEW
            return
        holder = Candidate.display_name(stored["holder_last_name"], stored["holder_first_name"])
        if stored["legacy_batch_id"] is None:
            row.fail(
                "numero",
                f"le numéro {stored['number']} est celui d'un certificat délivré par le back-office "
                f"({holder}, attribué le {stored['awarded_on']:%d/%m/%Y}).",
            )
            return
        differences = _differences(row.data, stored)
        if differences:
            row.fail(
                "numero",
                f"le certificat n° {stored['number']} ({holder}) est déjà repris avec d'autres données ("
                + " ; ".join(differences)
                + f") : pour le reprendre autrement, annulez d'abord le lot de reprise n° "
                f"{stored['legacy_batch_id']}.",
            )
            return
        row.action = UNCHANGED

    def _find_people(self, rows: list[Row]) -> None:
        """The holder of each new certificate: the one person of that identity, or nobody yet (created);
        an identity two records share is an error (nothing is merged silently)."""
        if not rows:
            return
        keys = {row.data["identity"] for row in rows}
        if self.lock:
            # Applying: nobody else records a person until the takeover commits (one table lock, not one
            # identity lock a person: tens of thousands would exhaust PostgreSQL's lock table); whoever
            # recorded one of these people before is seen below and reused.
            lock_people()
        people: dict[str, list[tuple[int, str, dt.date, str]]] = defaultdict(list)
        with index_lookups():  # rows of earlier batches are not in the statistics yet
            for key, pk, last, first, birth, sex in Candidate.objects.filter(
                identity_key__in=sorted(keys)
            ).values_list("identity_key", "pk", "last_name", "first_name", "birth_date", "sex"):
                people[key].append((pk, Candidate.display_name(last, first), birth, sex))
        for row in rows:
            found = sorted(people.get(row.data["identity"], []))
            if len(found) > 1:
                _, name, birth, sex = found[0]
                row.fail(
                    "nom",
                    f"{name}, {born(sex)} le {birth:%d/%m/%Y}, est enregistré·e {len(found)} fois "
                    f"(candidat·es n° {', '.join(str(pk) for pk, *_ in found)}) : "
                    "faites fusionner ces doublons par un·e "
                    "administrateur·rice, puis reprenez la ligne.",
                )
                continue
            row.data["candidate_id"] = found[0][0] if found else None

    def apply(self, batch: list[Row]) -> None:
        new = [row for row in batch if row.action == NEW]
        take_over_certificates(
            [_to_take_over(row) for row in new],
            batch_id=self.batch_id,
            actor=self.actor,
            source=self.source,
            people_locked=self.lock,  # taken by `_find_people`, in this transaction
        )


def _code_of(options: Mapping[str, _T], label: str, shown: str) -> Callable[[str], _T]:
    """A cell holding one of the codes of `options` (whatever the case and accents): its object."""
    keys = {key: key for key in options}

    def parse(value: str) -> _T:
        return options[cells.choice(value, keys, required=True, label=label, shown=[shown])]

    return parse


def _failed(row: Row, column: str) -> bool:
    return any(name == column for name, _ in row.errors)


def _number(value: str) -> str:
    try:
        return number_as_issued(value)
    except ValidationError as error:
        raise cells.CellError(error.messages[0]) from error


def _yes_no(value: str) -> bool:
    if not value:
        return False
    key = cells.plain(value)
    if key not in YES_NO:
        raise cells.CellError(f"« {value[:20]} » : indiquez oui ou non.")
    return YES_NO[key]


def _day(moment: dt.datetime | None) -> dt.date | None:
    return None if moment is None else timezone.localdate(moment)


def _shown(value: Any) -> str:
    if value is None:
        return "—"
    return f"{value:%d/%m/%Y}" if isinstance(value, dt.date) else str(value)


def _differences(data: dict[str, Any], stored: dict[str, Any]) -> list[str]:
    """What the row says otherwise than the certificate taken over, as "what: recorded → in the file"."""
    revoked = stored["status"] == CertificateStatus.REVOKED
    person = data["person"]
    holder = (
        Candidate.display_name(stored["holder_last_name"], stored["holder_first_name"]),
        Candidate.display_name(person["last_name"], person["first_name"]),
    )
    pairs = [
        ("certification", stored["certification__code"], data["certification"].code),
        ("date d'attribution", stored["awarded_on"], data["awarded_on"]),
        ("région", stored["region__code"], data["region"].code),
        ("date du jury", stored["session__held_on"], data["jury_on"]),
        ("SIRET", stored["case_file__evaluation_site__siret"], data["site"].siret),
        ("date de retrait", _day(stored["revoked_at"]) if revoked else None, data["revoked_on"]),
        ("motif de retrait", stored["revocation_reason"] if revoked else "", data["revocation_reason"]),
        ("date de transmission", _day(stored["exported_at"]), data["exported_on"]),
    ]
    shown = [
        f"{label} : {_shown(recorded)} → {_shown(given)}"
        for label, recorded, given in pairs
        if recorded != given
    ]
    # Once the retention job has anonymised the holder (5 years after the award), the certificate's own copy
    # of the names is what is left to compare (their birth date is gone).
    if stored["case_file__candidate__anonymised_on"] is not None:
        same_holder = holder[0].casefold() == holder[1].casefold()
    else:
        same_holder = stored["case_file__candidate__identity_key"] == data["identity"]
    if not same_holder:
        shown.insert(
            0,
            f"titulaire : {holder[0]} → {holder[1]}, "
            f"{born(person['sex'] or '')} le {person['birth_date']:%d/%m/%Y}",
        )
    return shown


def _to_take_over(row: Row) -> CertificateToTakeOver:
    data = row.data
    return CertificateToTakeOver(
        number=data["number"],
        certification=data["certification"],
        framework_id=data["framework_id"],
        region=data["region"],
        site=data["site"],
        jury_on=data["jury_on"],
        awarded_on=data["awarded_on"],
        person=data["person"],
        candidate_id=data["candidate_id"],
        revoked_on=data["revoked_on"],
        revocation_reason=data["revocation_reason"],
        exported_on=data["exported_on"],
        old_format=not is_current_format(data["number"]),
    )
