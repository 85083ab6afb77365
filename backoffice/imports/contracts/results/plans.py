"""Training plans in the results file (`type` = `plan`): one row completes one file's waiting training-plan
task as the form does — the plan's rules (`casefiles.rules.plans.plan_errors`), the form's bulk twin
(`workflows.pathway.bulk.record_training_plans`), the service one by one for what the bulk path leaves."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.contrib.auth import get_user_model

from accreditation.models import Certification, Domain, Site
from casefiles.models import CaseFile, TrainingPlan
from casefiles.rules.plans import PlanFacts, plan_errors
from casefiles.services.plans import files_before_plan, trainer_belongs, trainer_site_accredited

from ... import cells
from ..base import Column, Row

PLAN = "plan"  # the row kind, beside `prealable` and `finale`
PLAN_COLUMNS = (
    Column("siret_formateur", False, "Ligne plan : SIRET de l'établissement de formation", ""),
    Column(
        "formateur",
        False,
        "Ligne plan : adresse e-mail du·de la formateur·rice (son compte du back-office)",
        "",
    ),
    Column("domaines", False, "Ligne plan : domaines visés, séparés par des virgules (D1, D3)", ""),
    Column("heures", False, "Ligne plan : nombre d'heures de formation", ""),
    Column("date_debut", False, "Ligne plan : début de la formation, jj/mm/aaaa", ""),
    Column("date_fin", False, "Ligne plan : fin de la formation, jj/mm/aaaa", ""),
)
PLAN_CELLS = tuple(column.name for column in PLAN_COLUMNS)
_SEPARATORS = re.compile(r"[\s,/+]+")


def _hours(value: str) -> int:
    if not value:
        raise cells.CellError("obligatoire pour une ligne plan.")
    if not (value.isascii() and value.isdigit()):
        raise cells.CellError(f"« {value[:10]} » n'est pas un nombre entier d'heures.")
    return int(value)


def _domain_codes(value: str) -> list[str]:
    codes = [code.upper() for code in _SEPARATORS.split(value) if code]
    if not codes:
        raise cells.CellError("obligatoire pour une ligne plan : les domaines visés (D1, D3).")
    return codes


def _plan_date(value: str) -> dt.date | None:
    if not value:
        raise cells.CellError("obligatoire pour une ligne plan.")
    return cells.date(value)


class PlanRows:
    """Reads and checks the plan rows of one import; what they need is read once per batch (the files'
    domains to train and plans) or once per import (sites, trainers, domains, accreditations)."""

    def __init__(self) -> None:
        self.sites: dict[str, Site | None] = {}
        self.trainers: dict[tuple[int, str], Any] = {}
        self.domains: dict[int, dict[str, Domain]] = {}
        self.accredited: dict[tuple[Any, ...], bool | None] = {}
        self.certifications = Certification.objects.in_bulk()
        self.before: dict[int, tuple[frozenset[int], dt.date | None]] = {}
        self.recorded: dict[int, list[TrainingPlan]] = {}

    def refuse_cells(self, row: Row) -> None:
        """An assessment row leaves the plan's columns empty (a plan is a row of its own)."""
        filled = [name for name in PLAN_CELLS if row.cells.get(name, "")]
        if filled:
            row.fail(
                filled[0], "à laisser vide pour une évaluation : un plan de formation est une ligne « plan »."
            )

    def read(self, row: Row) -> dict[str, Any]:
        """The plan's cells, each error noted against its column."""
        site = self._site(row)
        return {
            "training_site": site,
            "trainer": self._trainer(row, site),
            "codes": row.read("domaines", _domain_codes),
            "hours": row.read("heures", _hours),
            "starts_on": row.read("date_debut", _plan_date),
            "ends_on": row.read("date_fin", _plan_date),
        }

    def load(self, files: list[CaseFile]) -> None:
        """The batch's files: their domains still to train, their latest assessment and their plans."""
        ids = [f.pk for f in files]
        self.before = files_before_plan(ids)
        self.recorded = {pk: [] for pk in ids}
        for plan in TrainingPlan.objects.filter(case_file_id__in=ids).prefetch_related("domains"):
            self.recorded[plan.case_file_id].append(plan)

    def resolve(self, row: Row, case_file: CaseFile) -> bool:
        """Find the plan's domains in the file's framework (`plan["domains"]`); False when one is unknown."""
        plan = row.data["plan"]
        framework = self._framework_domains(case_file.framework_version_id)
        unknown = [code for code in plan["codes"] if code not in framework]
        if unknown:
            row.fail("domaines", f"domaine(s) inconnu(s) du référentiel du dossier : {', '.join(unknown)}.")
            return False
        plan["domains"] = [framework[code] for code in dict.fromkeys(plan["codes"])]
        return True

    def same_as_recorded(self, row: Row, case_file: CaseFile) -> bool:
        """A plan recorded before (same site, trainer, domains, hours and dates): the row is unchanged."""
        plan = row.data["plan"]
        wanted = (
            plan["training_site"].pk,
            plan["trainer"].pk,
            plan["hours"],
            plan["starts_on"],
            plan["ends_on"],
            frozenset(d.pk for d in plan["domains"]),
        )
        return any(
            (
                p.training_site_id,
                p.trainer_id,
                p.hours,
                p.starts_on,
                p.ends_on,
                frozenset(d.pk for d in p.domains.all()),
            )
            == wanted
            for p in self.recorded.get(case_file.pk, [])
        )

    def check(self, row: Row, case_file: CaseFile, day: dt.date) -> None:
        """The form's rules (`plan_errors`), and the plan dated after the file's latest assessment."""
        plan = row.data["plan"]
        to_train, last = self.before.get(case_file.pk, (frozenset(), None))
        if last and day < last:
            row.fail(
                "date_evaluation",
                f"le plan ne peut pas être daté avant la dernière évaluation ({last:%d/%m/%Y}).",
            )
        certification = self.certifications[case_file.certification_id]
        facts = PlanFacts(
            to_train=to_train,
            expires_on=case_file.expires_on,
            last_assessed_on=last,
            trainer_belongs=True,  # the trainer was found by that rule (`_trainer`)
            accredited_throughout=self._accredited(plan, certification),
        )
        for message in plan_errors(
            facts,
            plan["domains"],
            plan["hours"],
            plan["starts_on"],
            plan["ends_on"],
            site_name=plan["training_site"].name,
            certification=certification,
        ):
            row.fail("", message)

    def _site(self, row: Row) -> Site | None:
        siret = row.read("siret_formateur", cells.siret)
        if siret is None:
            return None
        if siret not in self.sites:
            self.sites[siret] = Site.objects.filter(siret=siret).select_related("organisation").first()
        site = self.sites[siret]
        if site is None:
            row.fail(
                "siret_formateur", f"SIRET {siret} inconnu : aucun établissement enregistré sous ce numéro."
            )
        return site

    def _trainer(self, row: Row, site: Site | None) -> Any:
        address = row.read("formateur", cells.email)
        if address is None or site is None:
            return None
        if not address:
            row.fail("formateur", "obligatoire pour une ligne plan.")
            return None
        key = (site.organisation_id, address.lower())
        if key not in self.trainers:
            people = get_user_model().objects.filter(email__iexact=address, is_active=True)
            self.trainers[key] = next((person for person in people if trainer_belongs(person, site)), None)
        if self.trainers[key] is None:
            row.fail(
                "formateur", f"aucun·e formateur·rice de l'organisme de formation n'a l'adresse {address}."
            )
        return self.trainers[key]

    def _framework_domains(self, framework_id: int) -> dict[str, Domain]:
        if framework_id not in self.domains:
            self.domains[framework_id] = {
                d.code.upper(): d for d in Domain.objects.filter(framework_version_id=framework_id)
            }
        return self.domains[framework_id]

    def _accredited(self, plan: dict[str, Any], certification: Certification) -> bool | None:
        key = (plan["training_site"].pk, certification.pk, plan["starts_on"], plan["ends_on"])
        if key not in self.accredited:
            self.accredited[key] = trainer_site_accredited(
                plan["training_site"], certification, plan["starts_on"], plan["ends_on"]
            )
        return self.accredited[key]
