"""Candidates: one row opens one case file (and starts its pathway), or updates the file of that reference."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.utils import timezone

from accreditation.models import (
    AccreditationRole,
    Certification,
    Domain,
    FrameworkStatus,
    FrameworkVersion,
    Organisation,
    Site,
)
from accreditation.scoping import scope_of
from accreditation.selectors import AccreditedOnDays, sites_for
from backoffice.core.accounts.types import Actor
from backoffice.core.audit.models import AuditEvent
from backoffice.core.bulksql import index_lookups
from casefiles.models import (
    OPEN_STATES,
    Candidate,
    CandidateStatus,
    CaseFile,
    CaseFileState,
    DomainAcquisition,
    Sex,
)
from casefiles.rules.identity import born, identity_key, same_identity
from casefiles.rules.vocabulary import FUNDINGS, REFERRERS, funding_note_from
from casefiles.selectors import people_with_identities
from casefiles.services.bulk import (
    FileToOpen,
    FileUpdate,
    open_case_files_in_bulk,
    update_case_files_in_bulk,
)
from casefiles.services.identity import lock_identities
from workflows.models import CandidatePathwayProcess, CandidatePathwayTask
from workflows.pathway.bulk import start_pathways

from .. import cells
from .base import INVALID, NEW, UNCHANGED, UPDATED, Checker, Column, Contract, Row
from .birth import BIRTH_COLUMNS, check_birthplace, given_birth_fields, read_birth
from .takeover import acting_on, acts_by_day

STATUSES = {
    "demandeur_emploi": CandidateStatus.JOBSEEKER,
    "demandeur_d_emploi": CandidateStatus.JOBSEEKER,
    "salarie": CandidateStatus.EMPLOYEE,
    "autre": CandidateStatus.OTHER,
}
SEXES = {"f": Sex.FEMALE, "m": Sex.MALE}
# The codes the template and the error messages show; the aliases people type are read too (vocabulary).
REFERRER_CODES = (
    "employeur, opco, region, france_travail, cep, mission_locale, cap_emploi, transitions_pro ou autre"
)
FUNDING_CODES = "cpf, pro_a, plan_employeur, opco, region, france_travail (AIF) ou autre"
# Updated by a new import of a known reference; the identity (name, first name, birth date) never is.
UPDATABLE = Candidate.PROFILE_FIELDS
# The column of each: a file (or an API item) without it leaves the field as it is; an empty cell clears it.
PROFILE_COLUMNS = {
    "sex": "sexe",
    "email": "email",
    "phone": "telephone",
    "postcode": "code_postal",
    "status": "statut",
    "sector": "secteur",
}


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
        Column("nom", True, "Nom d'usage", "Martin"),
        Column("prenom", True, "Prénom", "Léa"),
        Column("date_naissance", True, "jj/mm/aaaa", "14/03/1998"),
        *BIRTH_COLUMNS,
        Column("sexe", False, "F, M ou vide", "F"),
        Column("email", False, "Adresse e-mail du·de la candidat·e", "lea.martin@example.org"),
        Column("telephone", False, "Téléphone", "06 12 34 56 78"),
        Column("code_postal", True, "Code postal du domicile (5 chiffres)", "75011"),
        Column("statut", True, "demandeur_emploi, salarie ou autre", "demandeur_emploi"),
        Column("secteur", False, "Secteur du projet professionnel", "Logistique"),
        Column("prescripteur", False, REFERRER_CODES + " (ou « Mission locale », « ML »…)", "mission_locale"),
        Column("date_accueil", True, "Date du premier accueil, jj/mm/aaaa", "02/11/2026"),
        Column("financement", False, FUNDING_CODES + " (ou « Pro-A », « AIF », « OPCO EP »…)", "cpf"),
        Column(
            "precision_financement",
            False,
            "Précision du financement, 100 caractères au plus (« OPCO EP », « Agefiph »…)",
            "",
        ),
    )

    def checker(self, job: Any, *, applying: bool) -> Checker:
        return CandidatesChecker(
            job.uploaded_by, source={"import": job.pk}, lock=applying, batch=job.legacy_batch_id
        )


class CandidatesChecker(Checker):
    def __init__(
        self, actor: Actor, *, source: dict[str, Any], lock: bool = False, batch: int | None = None
    ) -> None:
        self.actor, self.source, self.today = actor, source, timezone.localdate()
        # An import of a migration batch takes files over from the old system: each opened on its own day.
        self.batch = batch
        self.my_sites = {site.siret: site for site in sites_for(actor).select_related(None)}
        self.known_sirets = set(Site.objects.values_list("siret", flat=True))
        self.certifications = {cells.plain(c.code): c for c in Certification.objects.all()}
        self.frameworks = _published_frameworks()
        self.accredited = AccreditedOnDays(AccreditationRole.EVALUATOR)
        self.existing: dict[int, dict[str, dict[str, Any]]] = {}
        self.seen_references: dict[tuple[int, str], int] = {}
        self.seen_people: dict[tuple[str, int], int] = {}
        self.lock = lock
        # A case officer enters files for the organisations of their region: recorded as such.
        self.own_organisation = scope_of(actor).organisation_id
        self.organisation_names: dict[int, str] = {}

    def check(self, batch: list[Row]) -> None:
        self._load_accreditations(batch)
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
            "prescripteur",
            lambda v: cells.choice(
                v, REFERRERS, required=False, label="un prescripteur", shown=[REFERRER_CODES]
            ),
        )
        funding = row.read(
            "financement",
            lambda v: cells.choice(
                v, FUNDINGS, required=False, label="un financement", shown=[FUNDING_CODES]
            ),
        )
        funding_note = row.read(
            "precision_financement", lambda v: cells.text(v, required=False, max_length=100)
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
        if not self.accredited(site.pk, certification.pk, opened_on):
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
            "funding": funding,
            # What the list does not say: the precision typed, else the funder named ("OPCO EP").
            "funding_note": funding_note or funding_note_from(row.cells.get("financement", "")),
            # A file without a column leaves what it holds as it is; an empty cell clears it.
            "referrer_given": "prescripteur" in row.cells,
            "funding_given": "financement" in row.cells,
            "note_given": "financement" in row.cells or "precision_financement" in row.cells,
            "person": person,
            "on_behalf_of": self._on_behalf_of(site.organisation_id),
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
            **read_birth(row),
        }
        birth = person["birth_date"]
        if birth and not (dt.date(1900, 1, 1) <= birth <= self.today):
            row.fail("date_naissance", "date de naissance invalide (dans le futur ou avant 1900).")
        check_birthplace(row, person)
        return person

    def _load_accreditations(self, batch: list[Row]) -> None:
        """The accreditations of the batch's sites on its dates, as they stood each day, in one query: a file
        of a past year is judged by its own date."""
        pairs = []
        for row in batch:
            try:
                site = self.my_sites.get(cells.siret(row.cells.get("siret_evaluateur", "")))
                day = cells.date(row.cells.get("date_accueil", ""))
            except cells.CellError:
                continue  # reported by the row's check
            if site is not None and day is not None:
                pairs.append((day, site.pk))
        self.accredited.load(pairs)

    def _on_behalf_of(self, organisation_id: int) -> str:
        """The organisation's name when the person importing is not one of its staff, else ""."""
        if organisation_id == self.own_organisation:
            return ""
        if organisation_id not in self.organisation_names:
            self.organisation_names[organisation_id] = (
                Organisation.objects.filter(pk=organisation_id).values_list("legal_name", flat=True).first()
                or ""
            )
        return self.organisation_names[organisation_id]

    def _existing(self, organisation_id: int) -> dict[str, dict[str, Any]]:
        """The organisation's files by reference; while applying, the organisation is locked (one import
        at a time)."""
        if organisation_id not in self.existing:
            if self.lock:
                Organisation.objects.select_for_update().filter(pk=organisation_id).first()
            fields = [f"candidate__{name}" for name in Candidate.FIELDS]
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
                    "funding",
                    "funding_note",
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
        if not self._same_person(row, known):
            return
        changes = {
            name: (known[f"candidate__{name}"], data["person"][name])
            for name in [
                *(name for name in UPDATABLE if PROFILE_COLUMNS[name] in row.cells),
                *given_birth_fields(row),
            ]
            if known[f"candidate__{name}"] != data["person"][name]
        }
        if data["referrer_given"] and known["referrer"] != data["referrer"]:
            changes["referrer"] = (known["referrer"], data["referrer"])
        if data["funding_given"] and known["funding"] != data["funding"]:
            changes["funding"] = (known["funding"], data["funding"])
        if data["note_given"] and known["funding_note"] != data["funding_note"]:
            changes["funding_note"] = (known["funding_note"], data["funding_note"])
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

    def _same_person(self, row: Row, known: dict[str, Any]) -> bool:
        """A known reference keeps its person: another identity is an error (the rectification corrects
        one); another spelling of the same identity (case, accents, hyphens, spaces) is no change."""
        person = row.data["person"]
        held = (known["candidate__last_name"], known["candidate__first_name"], known["candidate__birth_date"])
        if same_identity(held, (person["last_name"], person["first_name"], person["birth_date"])):
            return True
        name = Candidate.display_name(held[0], held[1])
        row.fail(
            "nom",
            f"la référence {row.data['reference']} désigne {name}, {born(known['candidate__sex'])} le "
            f"{held[2]:%d/%m/%Y} : une correction d'identité passe par la rectification du dossier.",
        )
        return False

    def _check_new_people(self, rows: list[Row]) -> None:
        """A person already known gets the new file; never two open files for one certification."""
        if not rows:
            return
        keys = {row.line: _identity(row.data["person"]) for row in rows}
        if self.lock:
            # Applying: whoever records one of these people meanwhile (the form, another organisation's
            # import) holds the same lock; after it, the lookup below sees them and the apply reuses them.
            lock_identities(keys.values())
        with index_lookups():  # rows of earlier batches are not in the statistics yet
            known = people_with_identities(keys.values())
            open_files = set(
                CaseFile.objects.filter(
                    candidate_id__in=[pk for pk, _ in known.values()], state__in=OPEN_STATES
                ).values_list("candidate_id", "certification_id")
            )
        for row in rows:
            certification, identity = row.data["certification"], keys[row.line]
            first = self.seen_people.setdefault((identity, certification.pk), row.line)
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
        """Open the new files and update the changed ones; a migration batch's rows at their reception day."""
        writing = [row for row in batch if row.action in (NEW, UPDATED)]
        for day, rows in acts_by_day(writing, batch=self.batch, day=lambda row: row.data["opened_on"]):
            with acting_on(day, batch=self.batch):
                self._write(rows)

    def _write(self, batch: list[Row]) -> None:
        new = [row for row in batch if row.action == NEW]
        if new:
            open_case_files_in_bulk(
                [_to_open(row, self.frameworks) for row in new],
                process_ids=start_pathways(len(new)),
                actor=self.actor,
                source=self.source,
                identities_locked=self.lock,  # taken by `_check_new_people`, in this transaction
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
                        on_behalf_of=row.data["on_behalf_of"],
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


def _identity(person: dict[str, Any]) -> str:
    return identity_key(person["last_name"], person["first_name"], person["birth_date"])


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
        funding=data["funding"] or "",
        funding_note=data["funding_note"],
        candidate_id=data["candidate_id"],
        candidate_data=data["person"],
        on_behalf_of=data["on_behalf_of"],
    )


def _label(row: Row) -> str:
    person = row.data["person"]
    return f"{person['last_name'].upper()} {person['first_name']} – {row.data['certification']}"
