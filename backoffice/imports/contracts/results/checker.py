"""The results checker: each row read and judged as the form's service would judge it, nothing written (the
new rows are written by `writing`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accreditation.models import AccreditationRole, Criterion, FrameworkVersion, Site, SubDomain
from accreditation.scoping import scope_of
from accreditation.selectors import AccreditedOnDays, sites_for
from backoffice.core.accounts.roles import Role, has_role
from backoffice.core.accounts.types import Actor
from backoffice.core.bulksql import ids_matching, index_lookups
from casefiles.models import Assessment, AssessmentKind, CaseFile, CaseFileState, TrainingPlan
from casefiles.rules.acquisition import check_within_window, evaluate
from casefiles.rules.dates import add_years
from casefiles.selectors import framework_structure
from casefiles.services.assessments import ACQUISITION_YEARS
from casefiles.services.plans import planned_on
from workflows.pathway.bulk import FinalEvaluationChecks, PositioningChecks, TrainingPlanChecks

from ... import cells
from ..base import INVALID, NEW, UNCHANGED, Row
from ..takeover import acting_on, window_ended_message
from .contract import AWAITED, KINDS, VALUES, WAITING
from .plans import PLAN, PlanRows
from .writing import ResultsWriting


class ResultsChecker(ResultsWriting):
    def __init__(self, actor: Actor, *, source: dict[str, Any], batch: int | None = None) -> None:
        self.actor, self.source, self.today = actor, source, timezone.localdate()
        # An import of a migration batch takes files in progress over: each row written at its own date.
        self.batch = batch
        self.my_sites = {site.siret: site for site in sites_for(actor).select_related(None)}
        self.known_sirets = set(Site.objects.values_list("siret", flat=True))
        self.frameworks = {fv.pk: fv for fv in FrameworkVersion.objects.all()}
        self.codes = {code.lower(): code for code in SubDomain.objects.values_list("code", flat=True)}
        # Criteria columns (`D1.3.2`) are optional: the threshold and the mandatory criterion then decide.
        self.codes |= {code.lower(): code for code in Criterion.objects.values_list("code", flat=True)}
        self.assessors: dict[tuple[int, str], Any] = {}
        self.seen: dict[tuple[int, str], int] = {}
        self.checks = PositioningChecks()  # who may record what: the same for all the batches
        self.final_checks = FinalEvaluationChecks()
        self.plan_checks = TrainingPlanChecks()
        self.plans = PlanRows()
        self.accredited = AccreditedOnDays(AccreditationRole.EVALUATOR)

    def check(self, batch: list[Row]) -> None:
        files = self._files(batch)
        if any(cells.plain(row.cells.get("type", "")) == PLAN for row in batch):
            self.plans.load(list(files.values()))
        self._load_accreditations(batch)
        for row in batch:
            self._check_row(row, files)
            if not row.valid:
                row.action = INVALID

    def _files(self, batch: list[Row]) -> dict[tuple[int, str], CaseFile]:
        """The batch's files, by (organisation, reference), among the sites its rows name in scope."""
        keys = set()
        for row in batch:
            try:
                site = self.my_sites.get(cells.siret(row.cells.get("siret_evaluateur", "")))
            except cells.CellError:
                continue  # reported by the row's check
            if site is not None:
                keys.add((site.pk, row.cells.get("reference", "").strip()))
        sites = {site.pk: site for site in self.my_sites.values()}
        # Files opened by an import moments ago may not be in the planner's statistics yet.
        with transaction.atomic(), index_lookups():
            ids = ids_matching(CaseFile, ["evaluation_site", "reference"], sorted(keys))
            files = list(CaseFile.objects.order_by().filter(pk__in=ids))
        for case_file in files:  # their sites are in memory: not read (nor built) again for each file
            case_file.evaluation_site = sites[case_file.evaluation_site_id]
        return {(f.evaluation_site.organisation_id, f.reference): f for f in files}

    def _load_accreditations(self, batch: list[Row]) -> None:
        """Whether each row's site was accredited on the act's date, for the batch in one query."""
        pairs = []
        for row in batch:
            try:
                site = self.my_sites.get(cells.siret(row.cells.get("siret_evaluateur", "")))
                day = cells.date(row.cells.get("date_evaluation", ""))
                if day is not None and cells.plain(row.cells.get("type", "")) == PLAN:
                    day = self._plan_judged_on(day, cells.date(row.cells.get("date_debut", "")))
            except cells.CellError:
                continue  # reported by the row's check
            if site is not None and day is not None:
                pairs.append((day, site.pk))
        self.accredited.load(pairs)

    def _plan_judged_on(self, day: dt.date, starts_on: dt.date | None) -> dt.date:
        """The day a plan row is judged on (`planned_on`), as it will be when written: drawn up on `day` when
        taken over, today otherwise."""
        if starts_on is None:
            return day
        with acting_on(day, batch=self.batch):
            return planned_on(starts_on)

    def _check_row(self, row: Row, files: dict[tuple[int, str], CaseFile]) -> None:
        reference = row.read("reference", lambda v: cells.text(v, required=True, max_length=50))
        site = self._site(row)
        kind = row.read("type", lambda v: cells.choice(v, KINDS, required=True, label="un type de ligne"))
        assessed_on = row.read("date_evaluation", cells.date)
        if assessed_on and assessed_on > self.today:
            row.fail("date_evaluation", "la date d'évaluation ne peut pas être dans le futur.")
        plan, results = None, []
        if kind == PLAN:
            plan = self.plans.read(row)
            self._refuse_results(row)
        elif kind:
            self.plans.refuse_cells(row)
            results = self._results(row)
        if not row.valid:
            return
        assert site is not None  # a valid row has its site
        case_file = files.get((site.organisation_id, reference))
        if case_file is None or case_file.evaluation_site_id != site.pk:
            row.fail("reference", f"aucun dossier « {reference} » dans cet établissement.")
            return
        assessor = self._assessor(row, site)
        if assessor is None:
            return
        key = (case_file.pk, kind)
        if key in self.seen:
            row.fail(
                "reference",
                f"ce dossier a déjà une ligne de ce type dans le fichier (ligne {self.seen[key]}).",
            )
            return
        self.seen[key] = row.line
        row.data = {
            "case_file": case_file,
            "kind": kind,
            "assessed_on": assessed_on,
            "assessor": assessor,
            "results": results,
            "plan": plan,
        }
        if kind == PLAN and not self.plans.resolve(row, case_file):
            return
        if self._recorded_before(row):
            row.action = UNCHANGED  # the same row imported before
            return
        if case_file.state != WAITING[kind]:
            row.fail(
                "type",
                f"le dossier n'attend pas {AWAITED[kind]} "
                f"(il est « {case_file.get_state_display().lower()} »).",
            )
            return
        self._check_rules(row)
        if self.batch is not None:
            self._check_takeover(row)
        if row.valid:
            row.action = NEW

    def _site(self, row: Row) -> Site | None:
        siret = row.read("siret_evaluateur", cells.siret)
        if siret is None:
            return None
        site = self.my_sites.get(siret)
        if site is None:
            row.fail(
                "siret_evaluateur",
                "cet établissement n'est pas dans votre périmètre."
                if siret in self.known_sirets
                else f"SIRET {siret} inconnu.",
            )
        return site

    def _results(self, row: Row) -> list[tuple[str, bool]]:
        results = []
        for column, code in self.codes.items():
            value = row.cells.get(column, "")
            if not value:
                continue
            key = cells.plain(value)
            if key not in VALUES:
                row.fail(
                    column,
                    f"« {value[:10]} » : saisissez A (acquis), NA (non acquis) — ou 1/0, oui/non, "
                    "acquis/non acquis — ou laissez vide.",
                )
                continue
            results.append((code, VALUES[key]))
        if not results and row.valid:
            row.fail("", "aucun résultat : indiquez A ou NA pour les sous-domaines évalués.")
        return results

    def _assessor(self, row: Row, site: Site) -> Any:
        address = row.read("evaluateur", cells.email)
        if not address:
            if row.valid:
                row.fail("evaluateur", "obligatoire.")
            return None
        key = (site.organisation_id, address)
        if key not in self.assessors:
            candidates = get_user_model().objects.filter(email__iexact=address, is_active=True)
            self.assessors[key] = next(
                (
                    user
                    for user in candidates
                    if has_role(user, Role.EVALUATOR_STAFF)
                    and scope_of(user).organisation_id == site.organisation_id
                ),
                None,
            )
        if self.assessors[key] is None:
            row.fail("evaluateur", f"aucun·e évaluateur·rice de l'organisme n'a l'adresse {address}.")
        return self.assessors[key]

    def _refuse_results(self, row: Row) -> None:
        """A plan row carries no assessment results (they are a row of their own)."""
        filled = [column for column in self.codes if row.cells.get(column, "")]
        if filled:
            row.fail(
                filled[0], "à laisser vide pour une ligne plan : les résultats sont une ligne d'évaluation."
            )

    def _check_rules(self, row: Row) -> None:
        """The checks the form's service makes, without writing: dates, people, the framework's rules."""
        data, case_file = row.data, row.data["case_file"]
        judged_on = data["assessed_on"]
        if data["kind"] == PLAN:
            judged_on = self._plan_judged_on(judged_on, data["plan"]["starts_on"])
        if not self.accredited(case_file.evaluation_site_id, case_file.certification_id, judged_on):
            row.fail(
                "date_evaluation",
                f"{case_file.evaluation_site.name} n'était pas habilité comme évaluateur pour ce dossier "
                f"le {judged_on:%d/%m/%Y}.",
            )
        if data["kind"] == PLAN:
            self.plans.check(row, case_file, data["assessed_on"])
            return
        domains = None
        if data["kind"] == AssessmentKind.FINAL:
            plan = TrainingPlan.objects.filter(case_file=case_file).order_by("-number").first()
            data["latest_plan"] = plan
            domains = list(plan.domains.all()) if plan else []
            if plan and plan.trainer_id == data["assessor"].pk:
                row.fail(
                    "evaluateur",
                    "l'évaluateur·rice de l'évaluation finale ne peut pas être le·la formateur·rice.",
                )
            if plan and data["assessed_on"] < plan.starts_on:
                row.fail(
                    "date_evaluation", f"antérieure au début de la formation ({plan.starts_on:%d/%m/%Y})."
                )
            try:
                check_within_window(case_file, data["assessed_on"])
            except ValidationError as error:
                row.fail("date_evaluation", " ".join(error.messages))
        elif data["assessed_on"] < case_file.opened_on:
            row.fail("date_evaluation", f"antérieure à l'accueil ({case_file.opened_on:%d/%m/%Y}).")
        try:
            data["outcome"] = evaluate(
                framework_structure(self.frameworks[case_file.framework_version_id], domains), data["results"]
            )
        except ValidationError as error:
            for message in error.messages:
                row.fail("", message)

    def _check_takeover(self, row: Row) -> None:
        """A file taken over in progress: its 5-year window still runs today, and each step is dated after the
        one before it (the final evaluation after the plan was drawn up: the step it follows)."""
        data, case_file = row.data, row.data["case_file"]
        expires_on = case_file.expires_on
        if data["kind"] == AssessmentKind.POSITIONING:
            expires_on = add_years(data["assessed_on"], ACQUISITION_YEARS)
        if expires_on is not None and expires_on < self.today:
            row.fail("date_evaluation", window_ended_message(expires_on))
        plan = data.get("latest_plan")
        if plan is not None and data["assessed_on"] < timezone.localdate(plan.created_at):
            row.fail(
                "date_evaluation",
                f"antérieure à l'établissement du plan de formation n° {plan.number} "
                f"({timezone.localdate(plan.created_at):%d/%m/%Y}) : les étapes se suivent dans l'ordre.",
            )

    def _recorded_before(self, row: Row) -> bool:
        """The same row imported before (same file, kind, date, assessor and results; or the same plan): it is
        unchanged, whatever step the file has reached since."""
        data, case_file = row.data, row.data["case_file"]
        if data["kind"] == PLAN:
            return self.plans.same_as_recorded(row, case_file)
        if data["kind"] == AssessmentKind.POSITIONING and case_file.state == CaseFileState.POSITIONING:
            return False  # nothing recorded yet: no query
        recorded = Assessment.objects.filter(
            case_file=case_file, kind=data["kind"], assessed_on=data["assessed_on"], assessor=data["assessor"]
        ).values_list("results", "criteria", "decided_by_criteria")
        wanted = dict(data["results"])
        return any(_same_results(wanted, *assessment) for assessment in recorded)


def _same_results(
    wanted: dict[str, bool], results: dict[str, bool], criteria: dict[str, bool], by_criteria: list[str]
) -> bool:
    """A row's results are those recorded: the same criteria, the same verdicts on the other sub-domains."""
    verdicts = {code: acquired for code, acquired in results.items() if code not in by_criteria}
    return wanted == verdicts | criteria
