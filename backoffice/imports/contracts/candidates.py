"""Candidates: one row opens one case file (and starts its pathway), or updates the file of that reference."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db import connection
from django.db.models import Value
from django.db.models.functions import Upper
from django.utils import timezone

from accreditation.models import (
    Accreditation,
    AccreditationRole,
    AccreditationStatus,
    Certification,
    Domain,
    FrameworkStatus,
    FrameworkVersion,
    Organisation,
    Site,
)
from accreditation.selectors import sites_for
from backoffice.audit.models import AuditEvent
from backoffice.bulksql import index_lookups
from casefiles.models import (
    OPEN_STATES,
    Candidate,
    CandidateStatus,
    CaseFile,
    CaseFileState,
    DomainAcquisition,
    Referrer,
    Sex,
)
from casefiles.services.bulk import (
    CANDIDATE_FIELDS,
    FileToOpen,
    FileUpdate,
    open_case_files_in_bulk,
    update_case_files_in_bulk,
)
from workflows.bulk import start_pathways
from workflows.models import CandidatePathwayProcess, CandidatePathwayTask

from .. import cells
from .base import INVALID, NEW, UNCHANGED, UPDATED, Checker, Column, Contract, Row

STATUSES = {
    "demandeur_emploi": CandidateStatus.JOBSEEKER,
    "demandeur_d'emploi": CandidateStatus.JOBSEEKER,
    "salarie": CandidateStatus.EMPLOYEE,
    "autre": CandidateStatus.OTHER,
}
REFERRERS = {
    "employeur": Referrer.EMPLOYER,
    "opco": Referrer.OPCO,
    "region": Referrer.REGION,
    "france_travail": Referrer.FRANCE_TRAVAIL,
    "cep": Referrer.CEP,
    "autre": Referrer.OTHER,
}
SEXES = {"f": Sex.FEMALE, "m": Sex.MALE}


class CandidatesContract(Contract):
    key = "candidates"
    label = "Candidat·es"
    writes = (
        Candidate,
        CaseFile,
        DomainAcquisition,
        CandidatePathwayProcess,
        CandidatePathwayTask,
        CandidatePathwayTask.previous.through,
        AuditEvent,
    )
    columns = (
        Column(
            "reference",
            True,
            "Référence du dossier chez l'organisme (unique dans l'organisme)",
            "DOS-2026-0001",
        ),
        Column("siret_evaluateur", True, "SIRET de l'établissement évaluateur habilité", "12345678900012"),
        Column("certification", True, "CLEA, CLEA_NUM ou CLEA_MGT", "CLEA"),
        Column("nom", True, "Nom de naissance ou d'usage", "Martin"),
        Column("prenom", True, "Prénom", "Léa"),
        Column("date_naissance", True, "jj/mm/aaaa", "14/03/1998"),
        Column("sexe", False, "F, M ou vide", "F"),
        Column("email", False, "Adresse e-mail du·de la candidat·e", "lea.martin@example.org"),
        Column("telephone", False, "Téléphone", "06 12 34 56 78"),
        Column("code_postal", True, "Code postal du domicile (5 chiffres)", "75011"),
        Column("statut", True, "demandeur_emploi, salarie ou autre", "demandeur_emploi"),
        Column("secteur", False, "Secteur du projet professionnel", "Logistique"),
        Column(
            "prescripteur", False, "employeur, opco, region, france_travail, cep ou autre", "france_travail"
        ),
        Column("date_accueil", True, "Date du premier accueil, jj/mm/aaaa", "02/11/2026"),
    )

    def checker(self, job: Any, *, applying: bool) -> Checker:
        return CandidatesChecker(job.uploaded_by, source={"import": job.pk}, lock=applying)


class CandidatesChecker(Checker):
    def __init__(self, actor: Any, *, source: dict[str, Any], lock: bool = False) -> None:
        self.actor, self.source, self.today = actor, source, timezone.localdate()
        self.my_sites = {site.siret: site for site in sites_for(actor).select_related(None)}
        self.known_sirets = set(Site.objects.values_list("siret", flat=True))
        self.certifications = {cells.plain(c.code): c for c in Certification.objects.all()}
        self.frameworks = _published_frameworks()
        self.accredited: dict[tuple[int, int], list[tuple[dt.date, dt.date]]] = defaultdict(list)
        for site_id, cert_id, start, end in Accreditation.objects.filter(
            role=AccreditationRole.EVALUATOR, status=AccreditationStatus.ACTIVE
        ).values_list("site_id", "certification_id", "valid_from", "valid_to"):
            self.accredited[(site_id, cert_id)].append((start, end))
        self.existing: dict[int, dict[str, dict[str, Any]]] = {}
        self.seen_references: dict[tuple[int, str], int] = {}
        self.seen_people: dict[tuple[str, str, dt.date, int], int] = {}
        self.lock = lock

    def check(self, batch: list[Row]) -> None:
        for row in batch:
            self._check_row(row)
        self._check_new_people([row for row in batch if row.valid and row.action == NEW])
        for row in batch:
            if not row.valid:
                row.action = INVALID

    def _check_row(self, row: Row) -> None:
        reference = row.read("reference", lambda v: cells.text(v, required=True, max_length=50))
        site = self._site(row)
        certification = row.read(
            "certification",
            lambda v: cells.choice(v, self.certifications, required=True, label="une certification"),  # type: ignore[arg-type]
        )
        person = self._person(row)
        referrer = row.read(
            "prescripteur", lambda v: cells.choice(v, REFERRERS, required=False, label="un prescripteur")
        )
        opened_on = row.read("date_accueil", cells.date)
        if opened_on and opened_on > self.today:
            row.fail("date_accueil", "la date d'accueil ne peut pas être dans le futur.")
        if not row.valid:
            return
        assert site is not None and opened_on is not None  # a valid row has both
        if certification.pk not in self.frameworks:
            row.fail("certification", f"aucun référentiel publié pour {certification}.")
            return
        if not self._accredited(site.pk, certification.pk, opened_on):
            row.fail(
                "siret_evaluateur",
                f"{site.name} n'est pas habilité comme évaluateur pour {certification} "
                f"le {opened_on:%d/%m/%Y}.",
            )
            return
        key = (site.organisation_id, reference)
        if key in self.seen_references:
            row.fail("reference", f"référence déjà présente ligne {self.seen_references[key]}.")
            return
        self.seen_references[key] = row.line
        row.data = {
            "reference": reference,
            "site": site,
            "certification": certification,
            "opened_on": opened_on,
            "referrer": referrer,
            "person": person,
        }
        self._compare(row, self._existing(site.organisation_id).get(reference))

    def _site(self, row: Row) -> Site | None:
        siret = row.read("siret_evaluateur", cells.siret)
        if siret is None:
            return None
        site = self.my_sites.get(siret)
        if site is None:
            message = (
                "cet établissement n'est pas dans votre périmètre : la ligne n'est pas importée."
                if siret in self.known_sirets
                else f"SIRET {siret} inconnu : aucun établissement enregistré sous ce numéro."
            )
            row.fail("siret_evaluateur", message)
        return site

    def _person(self, row: Row) -> dict[str, Any]:
        person = {
            "last_name": row.read("nom", cells.person_name),
            "first_name": row.read("prenom", cells.person_name),
            "birth_date": row.read("date_naissance", cells.date),
            "sex": row.read("sexe", lambda v: cells.choice(v, SEXES, required=False, label="un sexe")),
            "email": row.read("email", cells.email),
            "phone": row.read("telephone", cells.phone),
            "postcode": row.read("code_postal", cells.postcode),
            "status": row.read(
                "statut", lambda v: cells.choice(v, STATUSES, required=True, label="un statut")
            ),
            "sector": row.read("secteur", lambda v: cells.text(v, required=False, max_length=100)),
        }
        birth = person["birth_date"]
        if birth and not (dt.date(1900, 1, 1) <= birth <= self.today):
            row.fail("date_naissance", "date de naissance invalide (dans le futur ou avant 1900).")
        return person

    def _accredited(self, site_id: int, certification_id: int, on: dt.date) -> bool:
        return any(start <= on <= end for start, end in self.accredited.get((site_id, certification_id), ()))

    def _existing(self, organisation_id: int) -> dict[str, dict[str, Any]]:
        """The organisation's files by reference; while applying, the organisation is locked (one import
        at a time)."""
        if organisation_id not in self.existing:
            if self.lock:
                Organisation.objects.select_for_update().filter(pk=organisation_id).first()
            fields = [f"candidate__{name}" for name in CANDIDATE_FIELDS]
            files = CaseFile.objects.filter(evaluation_site__organisation_id=organisation_id).exclude(
                reference=""
            )
            self.existing[organisation_id] = {
                values["reference"]: values
                for values in files.values(
                    "pk",
                    "reference",
                    "evaluation_site_id",
                    "certification_id",
                    "state",
                    "opened_on",
                    "referrer",
                    "candidate_id",
                    *fields,
                )
            }
        return self.existing[organisation_id]

    def _compare(self, row: Row, known: dict[str, Any] | None) -> None:
        if known is None:
            row.action = NEW
            return
        data = row.data
        if (
            known["evaluation_site_id"] != data["site"].pk
            or known["certification_id"] != data["certification"].pk
        ):
            row.fail(
                "reference",
                "cette référence désigne déjà un dossier d'un autre établissement "
                "ou d'une autre certification.",
            )
            return
        changes = {
            name: (known[f"candidate__{name}"], value)
            for name, value in data["person"].items()
            if known[f"candidate__{name}"] != value
        }
        if known["referrer"] != data["referrer"]:
            changes["referrer"] = (known["referrer"], data["referrer"])
        if known["opened_on"] != data["opened_on"]:
            if known["state"] != CaseFileState.POSITIONING:
                row.fail(
                    "date_accueil", "la date d'accueil ne change plus une fois l'évaluation préalable faite."
                )
                return
            changes["opened_on"] = (known["opened_on"], data["opened_on"])
        row.changes = changes
        row.data["known"] = known
        row.action = UPDATED if changes else UNCHANGED

    def _check_new_people(self, rows: list[Row]) -> None:
        """A person already known gets the new file; never two open files for one certification."""
        if not rows:
            return
        people = [row.data["person"] for row in rows]
        with index_lookups():  # rows of earlier batches are not in the statistics yet
            known = _known_people(people)
            open_files = set(
                CaseFile.objects.filter(
                    candidate_id__in=[pk for pk, _ in known.values()], state__in=OPEN_STATES
                ).values_list("candidate_id", "certification_id")
            )
        for row in rows:
            person, certification = row.data["person"], row.data["certification"]
            identity = (person["last_name"].lower(), person["first_name"].lower(), person["birth_date"])
            first = self.seen_people.setdefault((*identity, certification.pk), row.line)
            if first != row.line:
                row.fail(
                    "reference",
                    f"cette personne a déjà une ligne {certification} dans ce fichier (ligne {first}).",
                )
                continue
            candidate_id = known.get(identity, (None, ""))[0]
            if candidate_id and (candidate_id, certification.pk) in open_files:
                row.fail("nom", f"{known[identity][1]} a déjà un dossier {certification} en cours.")
                continue
            row.data["candidate_id"] = candidate_id

    def apply(self, batch: list[Row]) -> None:
        new = [row for row in batch if row.action == NEW]
        if new:
            open_case_files_in_bulk(
                [_to_open(row, self.frameworks) for row in new],
                process_ids=start_pathways(len(new)),
                actor=self.actor,
                source=self.source,
            )
        updated = [row for row in batch if row.action == UPDATED]
        if updated:
            update_case_files_in_bulk(
                [
                    FileUpdate(
                        case_file_id=row.data["known"]["pk"],
                        candidate_id=row.data["known"]["candidate_id"],
                        label=_label(row),
                        changes=row.changes,
                    )
                    for row in updated
                ],
                actor=self.actor,
                source=self.source,
            )


def _published_frameworks() -> dict[int, tuple[int, list[int]]]:
    frameworks = {
        fv.certification_id: fv.pk for fv in FrameworkVersion.objects.filter(status=FrameworkStatus.PUBLISHED)
    }
    domains: dict[int, list[int]] = defaultdict(list)
    for pk, framework_id in (
        Domain.objects.filter(framework_version_id__in=frameworks.values())
        .order_by("position")
        .values_list("pk", "framework_version_id")
    ):
        domains[framework_id].append(pk)
    return {cert: (fv, domains[fv]) for cert, fv in frameworks.items()}


def _known_people(people: list[dict[str, Any]]) -> dict[tuple[str, str, dt.date], tuple[int, str]]:
    """The people already recorded under one of these identities (name and first name in any case, birth
    date): the lookup `open_case_file` makes for one, by the identity index, for a batch."""
    identities = sorted({(p["last_name"], p["first_name"], p["birth_date"]) for p in people})
    if connection.vendor == "postgresql":  # one exact lookup of the index per identity
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT c.id, c.last_name, c.first_name, c.birth_date FROM {Candidate._meta.db_table} c "  # noqa: S608 (a model's table)
                "JOIN unnest(%s::text[], %s::text[], %s::date[]) AS k(last_name, first_name, birth_date) "
                "ON upper(c.last_name) = upper(k.last_name) AND upper(c.first_name) = upper(k.first_name) "
                "AND c.birth_date = k.birth_date",
                [list(column) for column in zip(*identities, strict=True)],
            )
            found = cursor.fetchall()
    else:
        found = list(
            Candidate.objects.order_by()
            .annotate(last=Upper("last_name"), first=Upper("first_name"))
            .filter(
                last__in=[Upper(Value(last)) for last, _, _ in identities],
                first__in=[Upper(Value(first)) for _, first, _ in identities],
                birth_date__in=[birth for _, _, birth in identities],
            )
            .values_list("pk", "last_name", "first_name", "birth_date")
        )
    return {
        (last.lower(), first.lower(), birth): (pk, Candidate.display_name(last, first))
        for pk, last, first, birth in found
    }


def _to_open(row: Row, frameworks: dict[int, tuple[int, list[int]]]) -> FileToOpen:
    data = row.data
    framework_id, domain_ids = frameworks[data["certification"].pk]
    return FileToOpen(
        reference=data["reference"],
        site=data["site"],
        certification=data["certification"],
        framework_id=framework_id,
        domain_ids=domain_ids,
        opened_on=data["opened_on"],
        referrer=data["referrer"],
        candidate_id=data["candidate_id"],
        candidate_data=data["person"],
    )


def _label(row: Row) -> str:
    person = row.data["person"]
    return f"{person['last_name'].upper()} {person['first_name']} – {row.data['certification']}"
