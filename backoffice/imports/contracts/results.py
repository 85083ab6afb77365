"""Assessment results: one row completes one file's waiting positioning, training-plan (`results_plans`) or
final-evaluation task, exactly as the form does (the same services, the same rules, the same flow
transitions). An import of a migration batch takes files in progress over from the old system: each row is
written at its own historical date (`takeover`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accreditation.models import AccreditationRole, Criterion, FrameworkVersion, Site, SubDomain
from accreditation.scoping import scope_of
from accreditation.selectors import AccreditedOnDays, sites_for
from backoffice.core.accounts.roles import Role, has_role
from backoffice.core.accounts.types import Actor
from backoffice.core.audit.models import AuditEvent
from backoffice.core.bulksql import ids_matching, index_lookups
from casefiles.models import (
    Assessment,
    AssessmentKind,
    CaseFile,
    CaseFileState,
    DomainAcquisition,
    TrainingPlan,
)
from casefiles.rules.acquisition import check_within_window, evaluate
from casefiles.rules.dates import add_years
from casefiles.selectors import framework_structure
from casefiles.services import record_final_evaluation, record_positioning, record_training_plan
from casefiles.services.assessments import ACQUISITION_YEARS
from casefiles.services.plans import planned_on
from workflows.models import CandidatePathwayTask
from workflows.pathway.bulk import (
    FinalEvaluationChecks,
    FinalEvaluationEntry,
    Positioning,
    PositioningChecks,
    TrainingPlanChecks,
    TrainingPlanEntry,
    record_final_evaluations,
    record_positionings,
    record_training_plans,
)
from workflows.pathway.commands import complete_step

from .. import cells
from .base import INVALID, NEW, UNCHANGED, Checker, Column, Contract, Row
from .results_plans import PLAN, PLAN_COLUMNS, PlanRows
from .takeover import acting_on, acts_by_day, window_ended_message

KINDS = {"prealable": AssessmentKind.POSITIONING, "finale": AssessmentKind.FINAL, "plan": PLAN}
WAITING = {
    AssessmentKind.POSITIONING: CaseFileState.POSITIONING,
    PLAN: CaseFileState.TRAINING,
    AssessmentKind.FINAL: CaseFileState.FINAL_EVALUATION,
}
STEPS = {
    AssessmentKind.POSITIONING: "positioning",
    PLAN: "training_plan",
    AssessmentKind.FINAL: "final_evaluation",
}
AWAITED = {
    AssessmentKind.POSITIONING: "une évaluation préalable",
    PLAN: "un plan de formation",
    AssessmentKind.FINAL: "une évaluation finale",
}
# Acquired or not, as people type it (compared lower case, without accents, spaces as underscores).
VALUES = {
    **dict.fromkeys(("a", "acquis", "1", "oui", "o", "satisfait", "vrai"), True),
    **dict.fromkeys(("na", "non_acquis", "0", "non", "n", "non_satisfait", "faux"), False),
}


def criterion_codes() -> list[str]:
    """Every criterion code of the published frameworks, in framework order (D1.1.1 …): optional columns."""
    return list(
        Criterion.objects.filter(subdomain__domain__framework_version__status="published")
        .order_by(
            "subdomain__domain__framework_version__certification__code",
            "subdomain__domain__position",
            "subdomain__position",
            "position",
        )
        .values_list("code", flat=True)
    )


def subdomain_codes() -> list[str]:
    """Every sub-domain code of the published frameworks, in framework order (D1.1 … D7.4, N1.1 …)."""
    return list(
        SubDomain.objects.filter(domain__framework_version__status="published")
        .order_by("domain__framework_version__certification__code", "domain__position", "position")
        .values_list("code", flat=True)
    )


class ResultsContract(Contract):
    key = "results"
    label = "Résultats d'évaluation"
    writes = (
        Assessment,
        DomainAcquisition,
        TrainingPlan,
        TrainingPlan.domains.through,
        CaseFile,
        CandidatePathwayTask,
        CandidatePathwayTask.previous.through,
        AuditEvent,
    )
    base_columns = (
        Column("reference", True, "Référence du dossier chez l'organisme", "DOS-2026-0001"),
        Column("siret_evaluateur", True, "SIRET de l'établissement évaluateur du dossier", "12345678900012"),
        Column(
            "type",
            True,
            "prealable (évaluation préalable), plan (plan de formation) ou finale (évaluation finale)",
            "prealable",
        ),
        Column(
            "date_evaluation",
            True,
            "jj/mm/aaaa : date de l'évaluation (d'établissement du plan)",
            "20/11/2026",
        ),
        Column(
            "evaluateur",
            True,
            "Adresse e-mail de l'évaluateur·rice (compte du back-office)",
            "eval@example.org",
        ),
    )

    @property
    def columns(self) -> tuple[Column, ...]:  # type: ignore[override]
        codes = subdomain_codes()
        return (
            self.base_columns
            + tuple(
                Column(code.lower(), False, f"Sous-domaine {code} : A, NA ou vide", "A") for code in codes
            )
            + tuple(
                Column(code.lower(), False, f"Critère {code} : A, NA ou vide (au lieu du sous-domaine)", "A")
                for code in criterion_codes()
            )
            + PLAN_COLUMNS
        )

    def template_header(self) -> list[str]:
        plan = [column.name for column in PLAN_COLUMNS]
        return [column.name for column in self.base_columns] + subdomain_codes() + plan

    def checker(self, job: Any, *, applying: bool) -> Checker:
        return ResultsChecker(job.uploaded_by, source={"import": job.pk}, batch=job.legacy_batch_id)


class ResultsChecker(Checker):
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

    def apply(self, batch: list[Row]) -> None:
        """Write the new rows; a migration batch's rows at their own date (`acts_by_day`)."""
        new = [row for row in batch if row.action == NEW]
        for day, rows in acts_by_day(new, batch=self.batch, day=lambda row: row.data["assessed_on"]):
            with acting_on(day, batch=self.batch):
                self._write(rows)

    def _write(self, rows: list[Row]) -> None:
        """Positionings and plans in bulk (the form's rows, tests compare them); final evaluations in bulk
        when taken over (the one-by-one path dates its tasks now), one by one otherwise (as the form, which
        tells the organisation a file is ready for jury); what the bulk paths leave, one by one."""
        left = self._position([row for row in rows if row.data["kind"] == AssessmentKind.POSITIONING])
        left |= self._plan([row for row in rows if row.data["kind"] == PLAN])
        finals = [row for row in rows if row.data["kind"] == AssessmentKind.FINAL]
        left |= self._final(finals) if self.batch is not None else {row.line for row in finals}
        for row in rows:
            if row.line in left:
                self._record(row)

    def _position(self, rows: list[Row]) -> set[int]:
        left = record_positionings(
            [
                Positioning(
                    case_file_id=row.data["case_file"].pk,
                    process_id=row.data["case_file"].process_id,
                    assessed_on=row.data["assessed_on"],
                    assessor=row.data["assessor"],
                    user=self._user(row),
                    results=row.data["results"],
                    outcome=row.data.get("outcome"),
                    key=row.line,
                    actor=self.actor,
                )
                for row in rows
            ],
            checks=self.checks,
        )
        return {entry.key for entry in left}

    def _plan(self, rows: list[Row]) -> set[int]:
        left = record_training_plans(
            [
                TrainingPlanEntry(
                    case_file_id=row.data["case_file"].pk,
                    process_id=row.data["case_file"].process_id,
                    user=self._user(row),
                    training_site=row.data["plan"]["training_site"],
                    trainer=row.data["plan"]["trainer"],
                    domains=row.data["plan"]["domains"],
                    hours=row.data["plan"]["hours"],
                    starts_on=row.data["plan"]["starts_on"],
                    ends_on=row.data["plan"]["ends_on"],
                    key=row.line,
                )
                for row in rows
            ],
            checks=self.plan_checks,
        )
        return {entry.key for entry in left}

    def _final(self, rows: list[Row]) -> set[int]:
        left = record_final_evaluations(
            [
                FinalEvaluationEntry(
                    case_file_id=row.data["case_file"].pk,
                    process_id=row.data["case_file"].process_id,
                    assessed_on=row.data["assessed_on"],
                    assessor=row.data["assessor"],
                    user=self._user(row),
                    results=row.data["results"],
                    key=row.line,
                    actor=self.actor,
                )
                for row in rows
            ],
            checks=self.final_checks,
        )
        return {entry.key for entry in left}

    def _user(self, row: Row) -> Any:
        # The person who sent the file completes the task when they belong to the organisation; for staff who
        # import on its behalf the assessor does (the step is theirs), and the staff member is the actor (a
        # plan has no "on behalf": the evaluator named in the row draws it up).
        organisation_id = row.data["case_file"].evaluation_site.organisation_id
        return self.actor if scope_of(self.actor).organisation_id == organisation_id else row.data["assessor"]

    def _record(self, row: Row) -> None:
        data, case_file = row.data, row.data["case_file"]
        user = self._user(row)
        try:
            complete_step(case_file, STEPS[data["kind"]], user=user, run=lambda: self._service(row, user))
        except (ValidationError, PermissionDenied) as error:
            # The file changed since the check: its savepoint is rolled back, the row counts as an error.
            row.fail("", " ".join(getattr(error, "messages", [str(error)])))
            row.action = INVALID

    def _service(self, row: Row, user: Any) -> Any:
        data, case_file = row.data, row.data["case_file"]
        if data["kind"] == PLAN:
            plan = data["plan"]
            return record_training_plan(
                case_file,
                training_site=plan["training_site"],
                trainer=plan["trainer"],
                domains=plan["domains"],
                hours=plan["hours"],
                starts_on=plan["starts_on"],
                ends_on=plan["ends_on"],
                actor=user,
            )
        service = (
            record_positioning if data["kind"] == AssessmentKind.POSITIONING else record_final_evaluation
        )
        return service(
            case_file,
            assessed_on=data["assessed_on"],
            assessor=data["assessor"],
            results=data["results"],
            actor=self.actor,
        )


def _same_results(
    wanted: dict[str, bool], results: dict[str, bool], criteria: dict[str, bool], by_criteria: list[str]
) -> bool:
    """A row's results are those recorded: the same criteria, the same verdicts on the other sub-domains."""
    verdicts = {code: acquired for code, acquired in results.items() if code not in by_criteria}
    return wanted == verdicts | criteria
