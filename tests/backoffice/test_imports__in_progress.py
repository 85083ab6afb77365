"""Files in progress taken over from the old system (issue 20): the candidates and results imports of a
migration batch write each row at its own historical date. A file taken over stands where the same file
would stand had it lived here step by step — the same file, grid, assessments, plans, tasks, due dates and
timeline — but for the « repris de l'ancien système » mark; bad rows are refused in French, nothing
half-written; importing the same files again changes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.forms.models import model_to_dict
from django.utils import timezone
from viewflow.workflow.status import STATUS

from accreditation.models import AccreditationRole, Certification, Department, SubDomain
from accreditation.services import grant_accreditation
from backoffice.core.audit.events import RECOVERED_KEY, timeline
from backoffice.core.legacy.models import LegacyBatch
from backoffice.imports import services
from backoffice.imports.contracts.results import ResultsContract
from backoffice.imports.models import ImportJob, ImportStatus
from casefiles.models import Assessment, Candidate, CaseFile, CaseFileState, DomainAcquisition, TrainingPlan
from casefiles.rules.dates import add_years
from casefiles.services import (
    open_case_file,
    record_final_evaluation,
    record_positioning,
    record_training_plan,
)
from fixtures.clock import travel
from tests.backoffice.imports_helpers import candidate_row, csv_bytes, upload
from tests.factories import SiteFactory
from workflows.models import CandidatePathwayTask
from workflows.pathway.commands import complete_step, start_pathway
from workflows.pathway.selectors import step_due_on

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
DAY = dt.timedelta(days=1)
# A file of three years ago: received, positioned with two domains to train, a plan, its final evaluation.
OPENED_ON = TODAY - 1200 * DAY
POSITIONED_ON = OPENED_ON + 14 * DAY
PLAN_ON = POSITIONED_ON + 20 * DAY
STARTS_ON, ENDS_ON = PLAN_ON + 7 * DAY, PLAN_ON + 67 * DAY
FINAL_ON = ENDS_ON + 10 * DAY
MISSING = ("D1", "D3")
TASK_TIMES = {"id", "process", "created", "started", "finished", "previous", "scheduled", "owner"}


def day_of(moment: dt.datetime | None) -> dt.date | None:
    return timezone.localdate(moment) if moment is not None else None


@pytest.fixture
def clea(db) -> Certification:  # type: ignore[no-untyped-def]
    return Certification.objects.get(code="CLEA")


@pytest.fixture
def site(evaluator, supervisor, clea):  # type: ignore[no-untyped-def]
    """A site of the evaluator's organisation, accredited as evaluator for CléA for six years now."""
    site: Any = SiteFactory(
        organisation=evaluator.scope.organisation,
        department=Department.objects.get(code="93"),
        name="Antenne Nord",
    )
    grant_accreditation(
        site,
        certification=clea,
        role=AccreditationRole.EVALUATOR,
        valid_from=TODAY - 6 * 365 * DAY,
        valid_to=TODAY + 300 * DAY,
        actor=supervisor,
    )
    return site


@pytest.fixture
def batch(supervisor) -> LegacyBatch:  # type: ignore[no-untyped-def]
    return LegacyBatch.objects.create(label="Reprise des dossiers en cours", created_by=supervisor)


# The imports of the takeover: a supervisor sends the files of a migration batch.


def checked(content: bytes, *, actor: Any, contract: str, batch: LegacyBatch | None) -> ImportJob:
    """Upload, attach to the batch (as the migration does), and run the dry run."""
    job = services.create_import(contract=contract, upload=upload(content, f"{contract}.csv"), actor=actor)
    ImportJob.objects.filter(pk=job.pk).update(legacy_batch=batch)
    services.check_import(job.pk)
    job.refresh_from_db()
    return job


def applied(
    content: bytes, *, actor: Any, contract: str, batch: LegacyBatch | None, skip: bool = False
) -> ImportJob:
    """Upload, check, confirm and apply."""
    job = checked(content, actor=actor, contract=contract, batch=batch)
    services.confirm_import(job, skip_invalid=skip, actor=actor)
    services.apply_import(job.pk)
    job.refresh_from_db()
    return job


def candidates_csv(*rows: dict[str, str]) -> bytes:
    return csv_bytes(list(rows))


def results_csv(*rows: dict[str, str]) -> bytes:
    return csv_bytes(list(rows), header=ResultsContract().template_header())


def subdomains(certification: str = "CLEA", domains: tuple[str, ...] | None = None) -> list[tuple[str, str]]:
    """The certification's sub-domain codes, each with its domain's code."""
    rows = SubDomain.objects.filter(
        domain__framework_version__certification__code=certification,
        domain__framework_version__status="published",
    ).values_list("code", "domain__code")
    return [(code, domain) for code, domain in rows if domains is None or domain in domains]


def result_row(
    site: Any, reference: str, kind: str, on: dt.date, assessor: Any, **cells: str
) -> dict[str, str]:
    return {
        "reference": reference,
        "siret_evaluateur": site.siret,
        "type": kind,
        "date_evaluation": f"{on:%d/%m/%Y}",
        "evaluateur": assessor.email,
        **cells,
    }


def positioning_row(site, reference, assessor, *, on=POSITIONED_ON, missing=MISSING, certification="CLEA"):  # type: ignore[no-untyped-def]
    verdicts = {code: "NA" if domain in missing else "A" for code, domain in subdomains(certification)}
    return result_row(site, reference, "prealable", on, assessor, **verdicts)


def plan_row(site, reference, assessor, training_site, trainer, **cells):  # type: ignore[no-untyped-def]
    plan = {
        "siret_formateur": training_site.siret,
        "formateur": trainer.email,
        "domaines": ", ".join(MISSING),
        "heures": "35",
        "date_debut": f"{STARTS_ON:%d/%m/%Y}",
        "date_fin": f"{ENDS_ON:%d/%m/%Y}",
    }
    return result_row(site, reference, "plan", PLAN_ON, assessor, **(plan | cells))


def final_row(site, reference, assessor, *, on=FINAL_ON, still_missing=()):  # type: ignore[no-untyped-def]
    verdicts = {
        code: "NA" if domain in still_missing else "A" for code, domain in subdomains("CLEA", MISSING)
    }
    return result_row(site, reference, "finale", on, assessor, **verdicts)


def take_over_candidate(site, supervisor, batch, reference="REPRIS-1", **cells):  # type: ignore[no-untyped-def]
    row = candidate_row(
        site.siret, reference, nom="Durand", prenom="Inès", date_accueil=f"{OPENED_ON:%d/%m/%Y}"
    )
    job = applied(candidates_csv(row | cells), actor=supervisor, contract="candidates", batch=batch)
    assert job.status == ImportStatus.APPLIED and job.new_rows == 1, list(
        job.row_errors.values_list("message")
    )
    return CaseFile.objects.get(reference=reference)


def take_over(rows: list[dict[str, str]], supervisor: Any, batch: LegacyBatch) -> ImportJob:
    job = applied(results_csv(*rows), actor=supervisor, contract="results", batch=batch)
    assert job.status == ImportStatus.APPLIED, list(job.row_errors.values_list("message"))
    return job


# The same file lived here: each step through its service and task, at its own date (the demo's clock).


class LivedHere:
    def __init__(self, site, clea, evaluator, assessor, candidate_data):  # type: ignore[no-untyped-def]
        self.assessor = assessor
        with travel(OPENED_ON, hour=12):
            self.case_file = open_case_file(
                site=site,
                certification=clea,
                opened_on=OPENED_ON,
                candidate_data=candidate_data,
                referrer="france_travail",
                reference="VECU-1",
                actor=evaluator,
            )
            start_pathway(self.case_file)
        self.case_file.refresh_from_db()

    def step(self, on: dt.date, node: str, run: Any) -> None:
        with travel(on, hour=12):
            complete_step(self.case_file, node, user=self.assessor, run=run)
        self.case_file.refresh_from_db()

    def position(self, framework_results: list[tuple[str, bool]]) -> None:
        self.step(
            POSITIONED_ON,
            "positioning",
            lambda: record_positioning(
                self.case_file,
                assessed_on=POSITIONED_ON,
                assessor=self.assessor,
                results=framework_results,
                actor=self.assessor,
            ),
        )

    def plan(self, training_site: Any, trainer: Any) -> None:
        domains = list(self.case_file.framework_version.domains.filter(code__in=MISSING))
        self.step(
            PLAN_ON,
            "training_plan",
            lambda: record_training_plan(
                self.case_file,
                training_site=training_site,
                trainer=trainer,
                domains=domains,
                hours=35,
                starts_on=STARTS_ON,
                ends_on=ENDS_ON,
                actor=self.assessor,
            ),
        )

    def final(self) -> None:
        results = [(code, True) for code, _ in subdomains("CLEA", MISSING)]
        self.step(
            FINAL_ON,
            "final_evaluation",
            lambda: record_final_evaluation(
                self.case_file,
                assessed_on=FINAL_ON,
                assessor=self.assessor,
                results=results,
                actor=self.assessor,
            ),
        )


@pytest.fixture
def lived(site, clea, evaluator, assessor, candidate_data):  # type: ignore[no-untyped-def]
    return LivedHere(site, clea, evaluator, assessor, candidate_data)


def shape(case_file: CaseFile) -> dict[str, Any]:
    """What a file is, but for who it is and where it came from: its fields, grid, assessments, plans, tasks
    (with their days), the step waiting and its due date, the timeline's verbs and days."""
    case_file.refresh_from_db()
    tasks = CandidatePathwayTask.objects.filter(process_id=case_file.process_id).order_by("pk")
    plans: dict[int | None, int] = {plan.pk: plan.number for plan in case_file.training_plans.all()}
    return {
        "file": {
            k: v
            for k, v in model_to_dict(case_file).items()
            if k not in {"id", "candidate", "process", "reference", "legacy_batch"}
        },
        "grid": [
            (row.domain.code, row.status, row.acquired_on, row.source.kind if row.source else None)
            for row in case_file.domain_grid.select_related("domain", "source").order_by("domain__position")
        ],
        "assessments": [
            (
                a.kind,
                a.assessed_on,
                a.assessor_id,
                a.results,
                a.criteria,
                a.decided_by_criteria,
                day_of(a.recorded_at),
                plans.get(a.training_plan_id),
            )
            for a in case_file.assessments.order_by("pk")
        ],
        "plans": [
            (
                p.number,
                p.training_site_id,
                p.trainer_id,
                p.hours,
                p.starts_on,
                p.ends_on,
                sorted(d.code for d in p.domains.all()),
                day_of(p.created_at),
            )
            for p in case_file.training_plans.order_by("number")
        ],
        "tasks": [
            (
                {k: str(v) for k, v in model_to_dict(t).items() if k not in TASK_TIMES},
                t.owner_id,
                day_of(t.created),
                day_of(t.started),
                day_of(t.finished),
                t.scheduled,
            )
            for t in tasks
        ],
        "waiting": [(t.flow_task.name, step_due_on(t)) for t in tasks if t.status == STATUS.NEW],
        "timeline": [(e.verb, day_of(e.occurred_at)) for e in timeline(case_file)],
    }


def marks(case_file: CaseFile) -> list[Any]:
    return [e.data.get(RECOVERED_KEY) for e in timeline(case_file)]


def test_a_file_taken_over_stands_at_each_step_where_the_same_file_lived_here_stands(
    site, clea, supervisor, assessor, training_site, trainer_person, batch, lived
):
    framework_results = [(code, domain not in MISSING) for code, domain in subdomains()]

    taken = take_over_candidate(site, supervisor, batch)
    assert shape(taken) == shape(lived.case_file)

    take_over([positioning_row(site, "REPRIS-1", assessor)], supervisor, batch)
    lived.position(framework_results)
    assert shape(taken) == shape(lived.case_file)
    assert shape(taken)["waiting"] == [("training_plan", POSITIONED_ON + 15 * DAY)]

    take_over([plan_row(site, "REPRIS-1", assessor, training_site, trainer_person)], supervisor, batch)
    lived.plan(training_site, trainer_person)
    assert shape(taken) == shape(lived.case_file)
    assert shape(taken)["waiting"] == [("final_evaluation", PLAN_ON + 180 * DAY)]

    take_over([final_row(site, "REPRIS-1", assessor)], supervisor, batch)
    lived.final()
    expected = shape(lived.case_file)
    assert shape(taken) == expected
    assert expected["file"]["state"] == CaseFileState.READY_FOR_JURY
    assert expected["waiting"] == [("ready_for_jury", FINAL_ON + 45 * DAY)]
    assert [verb for verb, _ in expected["timeline"]] == [
        "casefile.opened",
        "casefile.positioned",
        "casefile.training_planned",
        "casefile.final_evaluated",
        "casefile.ready_for_jury",
    ]
    # Only the mark differs: every event of the file taken over names its batch, none of the other's.
    assert marks(taken) == [batch.pk] * 5 and marks(lived.case_file) == [None] * 5


def test_the_window_the_due_date_and_the_records_count_from_the_historical_dates(
    site, supervisor, assessor, batch
):
    case_file = take_over_candidate(site, supervisor, batch)
    take_over([positioning_row(site, "REPRIS-1", assessor)], supervisor, batch)

    case_file.refresh_from_db()
    assert (case_file.state, case_file.positioned_on) == (CaseFileState.TRAINING, POSITIONED_ON)
    assert case_file.expires_on == add_years(POSITIONED_ON, 5)
    acquired = DomainAcquisition.objects.filter(case_file=case_file, acquired_on=POSITIONED_ON)
    assert sorted(acquired.values_list("domain__code", flat=True)) == ["D2", "D4", "D5", "D6", "D7"]
    waiting = CandidatePathwayTask.objects.get(
        process_id=case_file.process_id, status=STATUS.NEW, flow_task_type="HUMAN"
    )
    assert (waiting.flow_task.name, step_due_on(waiting)) == ("training_plan", POSITIONED_ON + 15 * DAY)
    timer = CandidatePathwayTask.objects.get(process_id=case_file.process_id, status=STATUS.SCHEDULED)
    assert day_of(timer.scheduled) == add_years(POSITIONED_ON, 5) + DAY  # the window's end, not today's
    assert [(e.verb, day_of(e.occurred_at)) for e in timeline(case_file)] == [
        ("casefile.opened", OPENED_ON),
        ("casefile.positioned", POSITIONED_ON),
    ]
    assert case_file.legacy_batch == batch and case_file.candidate.legacy_batch == batch
    assert day_of(case_file.candidate.created_at) == OPENED_ON
    assert day_of(Assessment.objects.get(case_file=case_file).recorded_at) == POSITIONED_ON


def test_a_file_positioned_with_every_domain_acquired_is_taken_over_ready_for_jury(
    site, supervisor, assessor, batch
):
    case_file = take_over_candidate(site, supervisor, batch)

    take_over([positioning_row(site, "REPRIS-1", assessor, missing=())], supervisor, batch)

    state = shape(case_file)
    assert state["file"]["state"] == CaseFileState.READY_FOR_JURY
    assert state["file"]["ready_for_jury_on"] == POSITIONED_ON
    assert state["waiting"] == [("ready_for_jury", POSITIONED_ON + 45 * DAY)]
    assert [verb for verb, _ in state["timeline"]][-2:] == ["casefile.positioned", "casefile.ready_for_jury"]
    assert marks(case_file) == [batch.pk] * 3


def test_the_file_page_shows_the_historical_dates_marked_as_taken_over(
    site, supervisor, assessor, batch, client_for
):
    case_file = take_over_candidate(site, supervisor, batch)
    take_over([positioning_row(site, "REPRIS-1", assessor)], supervisor, batch)

    page = client_for(supervisor).get(case_file.get_absolute_url()).content.decode()

    assert f"{POSITIONED_ON:%d/%m/%Y} 12:00 — Évaluation préalable" in page
    assert page.count("repris de l&#x27;ancien système") + page.count("repris de l'ancien système") == 2


def test_importing_the_takeover_files_again_changes_nothing(
    site, supervisor, assessor, training_site, trainer_person, batch
):
    candidate = candidate_row(
        site.siret, "REPRIS-1", nom="Durand", prenom="Inès", date_accueil=f"{OPENED_ON:%d/%m/%Y}"
    )
    files = [
        ("candidates", candidates_csv(candidate)),
        ("results", results_csv(positioning_row(site, "REPRIS-1", assessor))),
        ("results", results_csv(plan_row(site, "REPRIS-1", assessor, training_site, trainer_person))),
        ("results", results_csv(final_row(site, "REPRIS-1", assessor, still_missing=("D3",)))),
    ]
    for contract, content in files:
        assert applied(content, actor=supervisor, contract=contract, batch=batch).new_rows == 1
    case_file = CaseFile.objects.get(reference="REPRIS-1")
    before = shape(case_file)
    assert before["waiting"] == [("training_plan", FINAL_ON + 15 * DAY)]  # D3 still missing: a second plan

    again = [
        checked(content, actor=supervisor, contract=contract, batch=batch) for contract, content in files
    ]

    assert [(job.unchanged_rows, job.new_rows, job.updated_rows, job.invalid_rows) for job in again] == [
        (1, 0, 0, 0)
    ] * 4
    assert shape(case_file) == before
    assert (Assessment.objects.count(), TrainingPlan.objects.count()) == (2, 1)


# Bad input: a French error for each row, and nothing of it written.


def errors_of(job: ImportJob) -> dict[tuple[int, str], str]:
    return {(e.line, e.column): e.message for e in job.row_errors.all()}


def test_a_row_dated_before_the_opening_or_in_the_future_is_refused(site, supervisor, assessor, batch):
    take_over_candidate(site, supervisor, batch)
    take_over_candidate(site, supervisor, batch, reference="REPRIS-2", nom="Petit")
    rows = [
        positioning_row(site, "REPRIS-1", assessor, on=OPENED_ON - DAY),
        positioning_row(site, "REPRIS-2", assessor, on=TODAY + DAY),
    ]

    job = checked(results_csv(*rows), actor=supervisor, contract="results", batch=batch)

    errors = errors_of(job)
    assert (job.invalid_rows, job.new_rows) == (2, 0)
    assert errors[(2, "date_evaluation")] == f"antérieure à l'accueil ({OPENED_ON:%d/%m/%Y})."
    assert errors[(3, "date_evaluation")] == "la date d'évaluation ne peut pas être dans le futur."


def test_steps_out_of_order_are_refused(site, supervisor, assessor, training_site, trainer_person, batch):
    take_over_candidate(site, supervisor, batch)
    take_over_candidate(site, supervisor, batch, reference="REPRIS-2", nom="Petit")
    take_over([positioning_row(site, "REPRIS-2", assessor)], supervisor, batch)
    rows = [
        final_row(site, "REPRIS-1", assessor),  # still waiting for its positioning
        plan_row(site, "REPRIS-1", assessor, training_site, trainer_person),
        plan_row(site, "REPRIS-2", assessor, training_site, trainer_person, date_evaluation="01/01/2000"),
    ]

    job = checked(results_csv(*rows), actor=supervisor, contract="results", batch=batch)

    errors = errors_of(job)
    assert job.invalid_rows == 3
    waiting = "(il est « évaluation préalable à réaliser »)."
    assert errors[(2, "type")] == f"le dossier n'attend pas une évaluation finale {waiting}"
    assert errors[(3, "type")] == f"le dossier n'attend pas un plan de formation {waiting}"
    assert errors[(4, "date_evaluation")] == (
        f"le plan ne peut pas être daté avant la dernière évaluation ({POSITIONED_ON:%d/%m/%Y})."
    )


def test_a_final_evaluation_dated_before_its_plan_was_drawn_up_is_refused(
    site, supervisor, assessor, training_site, trainer_person, batch
):
    take_over_candidate(site, supervisor, batch)
    take_over([positioning_row(site, "REPRIS-1", assessor)], supervisor, batch)
    late_plan = plan_row(
        site, "REPRIS-1", assessor, training_site, trainer_person, date_evaluation=f"{FINAL_ON:%d/%m/%Y}"
    )
    take_over([late_plan], supervisor, batch)

    job = checked(
        results_csv(final_row(site, "REPRIS-1", assessor, on=FINAL_ON - DAY)),
        actor=supervisor,
        contract="results",
        batch=batch,
    )

    assert errors_of(job) == {
        (2, "date_evaluation"): "antérieure à l'établissement du plan de formation n° 1 "
        f"({FINAL_ON:%d/%m/%Y}) : les étapes se suivent dans l'ordre."
    }


def test_a_file_whose_window_has_ended_cannot_be_taken_over_in_progress(site, supervisor, assessor, batch):
    long_ago = TODAY - 5 * 365 * DAY - 30 * DAY
    take_over_candidate(site, supervisor, batch, date_accueil=f"{long_ago:%d/%m/%Y}")

    job = checked(
        results_csv(positioning_row(site, "REPRIS-1", assessor, on=long_ago + DAY)),
        actor=supervisor,
        contract="results",
        batch=batch,
    )

    ended = add_years(long_ago + DAY, 5)
    message = (
        f"le délai de 5 ans de ce dossier a pris fin le {ended:%d/%m/%Y} : ses acquis sont caducs, il ne "
        "peut pas être repris en cours de parcours (une nouvelle évaluation préalable serait nécessaire)."
    )
    assert errors_of(job) == {(2, "date_evaluation"): message}
    assert not Assessment.objects.exists()


def test_a_plan_at_a_site_not_accredited_as_trainer_on_its_dates_is_refused(
    evaluator, supervisor, assessor, training_site, trainer_person, batch
):
    clea_num = Certification.objects.get(code="CLEA_NUM")
    site: Any = SiteFactory(
        organisation=evaluator.scope.organisation, department=Department.objects.get(code="93")
    )
    grant_accreditation(
        site,
        certification=clea_num,
        role=AccreditationRole.EVALUATOR,
        valid_from=OPENED_ON - 30 * DAY,
        valid_to=TODAY + 30 * DAY,
        actor=supervisor,
    )
    take_over_candidate(site, supervisor, batch, certification="CLEA_NUM")
    first = subdomains("CLEA_NUM")[0][1]
    take_over(
        [positioning_row(site, "REPRIS-1", assessor, missing=(first,), certification="CLEA_NUM")],
        supervisor,
        batch,
    )
    row = plan_row(site, "REPRIS-1", assessor, training_site, trainer_person, domaines=first)

    job = checked(results_csv(row), actor=supervisor, contract="results", batch=batch)

    assert errors_of(job) == {
        (
            2,
            "",
        ): f"{training_site.name} n'est pas habilité comme organisme de formation pour {clea_num} sur toute "
        f"la durée de la formation (du {STARTS_ON:%d/%m/%Y} au {ENDS_ON:%d/%m/%Y})."
    }


def test_bad_plan_cells_are_explained(
    site, supervisor, assessor, evaluator, training_site, trainer_person, batch
):
    take_over_candidate(site, supervisor, batch)
    take_over_candidate(site, supervisor, batch, reference="REPRIS-2", nom="Petit")
    take_over(
        [positioning_row(site, reference, assessor) for reference in ("REPRIS-1", "REPRIS-2")],
        supervisor,
        batch,
    )
    plan = dict(site=site, assessor=assessor, training_site=training_site, trainer=trainer_person)
    rows = [
        # an evaluator of another organisation than the training site's
        plan_row(reference="REPRIS-1", **plan, formateur=evaluator.email),
        plan_row(reference="REPRIS-1", **plan, heures="trente"),
        plan_row(reference="REPRIS-1", **plan, siret_formateur=""),
        plan_row(reference="REPRIS-1", **plan, **{"D1.1": "A"}),
        positioning_row(site, "REPRIS-1", assessor) | {"heures": "35"},
        plan_row(reference="REPRIS-2", **plan, domaines="D1, D9"),  # the file's first plan row…
        plan_row(reference="REPRIS-2", **plan, domaines="D2"),  # … and a second one
    ]

    job = checked(results_csv(*rows), actor=supervisor, contract="results", batch=batch)

    errors = errors_of(job)
    assert job.invalid_rows == 7 and job.new_rows == 0
    assert errors[(2, "formateur")] == (
        f"aucun·e formateur·rice de l'organisme de formation n'a l'adresse {evaluator.email}."
    )
    assert errors[(3, "heures")] == "« trente » n'est pas un nombre entier d'heures."
    assert errors[(4, "siret_formateur")] == "obligatoire."
    assert errors[(5, "d1.1")] == (
        "à laisser vide pour une ligne plan : les résultats sont une ligne d'évaluation."
    )
    assert errors[(6, "heures")] == (
        "à laisser vide pour une évaluation : un plan de formation est une ligne « plan »."
    )
    assert errors[(7, "domaines")] == "domaine(s) inconnu(s) du référentiel du dossier : D9."
    assert errors[(8, "reference")] == "ce dossier a déjà une ligne de ce type dans le fichier (ligne 7)."


def test_a_plan_on_a_domain_already_acquired_is_refused_with_the_forms_message(
    site, supervisor, assessor, training_site, trainer_person, batch
):
    take_over_candidate(site, supervisor, batch)
    take_over([positioning_row(site, "REPRIS-1", assessor)], supervisor, batch)
    row = plan_row(site, "REPRIS-1", assessor, training_site, trainer_person, domaines="D2")

    job = checked(results_csv(row), actor=supervisor, contract="results", batch=batch)

    assert errors_of(job) == {
        (2, ""): "Le domaine D2 est déjà acquis ou hors du référentiel : il ne peut pas être visé."
    }


def test_the_valid_rows_are_written_and_the_refused_ones_not_at_all(site, supervisor, assessor, batch):
    take_over_candidate(site, supervisor, batch)
    take_over_candidate(site, supervisor, batch, reference="REPRIS-2", nom="Petit")
    rows = [
        positioning_row(site, "REPRIS-1", assessor),
        positioning_row(site, "REPRIS-2", assessor, on=TODAY + DAY),
    ]

    job = applied(results_csv(*rows), actor=supervisor, contract="results", batch=batch, skip=True)

    assert (job.status, job.new_rows, job.invalid_rows) == (ImportStatus.APPLIED, 1, 1)
    refused = CaseFile.objects.get(reference="REPRIS-2")
    assert refused.state == CaseFileState.POSITIONING and refused.positioned_on is None
    assert not refused.assessments.exists() and marks(refused) == [batch.pk]
    assert CaseFile.objects.get(reference="REPRIS-1").state == CaseFileState.TRAINING


# An ordinary import (no batch) keeps today's rules.


def test_an_ordinary_import_of_past_results_records_them_today_unmarked(site, evaluator, assessor):
    row = candidate_row(
        site.siret, "DOS-1", nom="Durand", prenom="Inès", date_accueil=f"{OPENED_ON:%d/%m/%Y}"
    )
    applied(candidates_csv(row), actor=evaluator, contract="candidates", batch=None)

    job = applied(
        results_csv(positioning_row(site, "DOS-1", assessor)), actor=evaluator, contract="results", batch=None
    )

    assert job.new_rows == 1
    case_file = CaseFile.objects.get(reference="DOS-1")
    state = shape(case_file)
    # The positioning keeps its date and starts the window; the step opens today, the events are today's.
    assert (case_file.positioned_on, case_file.expires_on) == (POSITIONED_ON, add_years(POSITIONED_ON, 5))
    assert state["waiting"] == [("training_plan", TODAY + 15 * DAY)]
    assert state["timeline"] == [("casefile.opened", TODAY), ("casefile.positioned", TODAY)]
    assert marks(case_file) == [None, None]
    assert case_file.legacy_batch is None and case_file.candidate.legacy_batch is None
    assert not Candidate.objects.filter(legacy_batch__isnull=False).exists()


def test_an_organisation_imports_its_training_plans(site, evaluator, assessor, training_site, trainer_person):
    row = candidate_row(
        site.siret, "DOS-1", nom="Durand", prenom="Inès", date_accueil=f"{OPENED_ON:%d/%m/%Y}"
    )
    applied(candidates_csv(row), actor=evaluator, contract="candidates", batch=None)
    applied(
        results_csv(positioning_row(site, "DOS-1", assessor)), actor=evaluator, contract="results", batch=None
    )

    content = results_csv(plan_row(site, "DOS-1", assessor, training_site, trainer_person))
    job = applied(content, actor=evaluator, contract="results", batch=None)

    assert (job.status, job.new_rows) == (ImportStatus.APPLIED, 1)
    case_file = CaseFile.objects.get(reference="DOS-1")
    plan = TrainingPlan.objects.get(case_file=case_file)
    assert (plan.trainer, plan.training_site, plan.hours) == (trainer_person, training_site, 35)
    assert sorted(plan.domains.values_list("code", flat=True)) == list(MISSING)
    assert shape(case_file)["waiting"] == [("final_evaluation", TODAY + 180 * DAY)]
    assert checked(content, actor=evaluator, contract="results", batch=None).unchanged_rows == 1
