"""The results file: each row completes the file's waiting assessment exactly as the form would."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from viewflow.workflow.status import STATUS

from accreditation.models import SubDomain
from backoffice.core.audit.models import AuditEvent
from backoffice.imports.contracts.results import subdomain_codes
from backoffice.imports.models import ImportStatus
from casefiles.models import Assessment, CaseFile, CaseFileState
from tests.backoffice.imports_helpers import candidate_row, checked, csv_bytes, imported
from tests.factories import SiteFactory
from workflows.models import CandidatePathwayTask

pytestmark = pytest.mark.django_db
BASE = ["reference", "siret_evaluateur", "type", "date_evaluation", "evaluateur"]


def _today() -> str:
    return f"{timezone.localdate():%d/%m/%Y}"


@pytest.fixture
def files(evaluator, idf_site):
    opened_on = f"{timezone.localdate() - dt.timedelta(days=5):%d/%m/%Y}"
    rows = [
        candidate_row(idf_site.siret, ref, nom=name, date_accueil=opened_on)
        for ref, name in (("DOS-1", "Un"), ("DOS-2", "Deux"))
    ]
    imported(csv_bytes(rows), actor=evaluator)
    return {f.reference: f for f in CaseFile.objects.all()}


def results_row(
    siret: str, reference: str, assessor: str, *, missing: tuple[str, ...] = (), **cells: str
) -> dict[str, str]:
    """Every CléA sub-domain acquired (A) but those of the `missing` domains (NA)."""
    row = {
        "reference": reference,
        "siret_evaluateur": siret,
        "type": "prealable",
        "date_evaluation": _today(),
        "evaluateur": assessor,
    }
    for code in SubDomain.objects.filter(domain__framework_version__certification__code="CLEA").values_list(
        "code", flat=True
    ):
        row[code] = "NA" if code.split(".")[0] in missing else "A"
    row.update(cells)
    return row


def results_csv(rows: list[dict[str, str]]) -> bytes:
    return csv_bytes(rows, header=BASE + subdomain_codes())


def test_results_complete_the_waiting_positioning_and_move_the_flow(evaluator, assessor, idf_site, files):
    content = results_csv(
        [
            results_row(idf_site.siret, "DOS-1", assessor.email),
            results_row(idf_site.siret, "DOS-2", assessor.email.upper(), missing=("D3",)),
        ]
    )
    job = imported(content, actor=evaluator, contract="results", name="resultats.csv")

    assert job.status == ImportStatus.APPLIED and job.new_rows == 2
    ready, training = CaseFile.objects.get(reference="DOS-1"), CaseFile.objects.get(reference="DOS-2")
    assert ready.state == CaseFileState.READY_FOR_JURY and training.state == CaseFileState.TRAINING
    assert Assessment.objects.get(case_file=ready).assessor == assessor
    waiting = {t.process_id: t.flow_task.name for t in CandidatePathwayTask.objects.filter(status=STATUS.NEW)}
    assert waiting == {ready.process_id: "ready_for_jury", training.process_id: "training_plan"}
    done = CandidatePathwayTask.objects.get(
        process_id=ready.process_id, flow_task_type="HUMAN", status=STATUS.DONE
    )
    assert done.owner == evaluator
    assert AuditEvent.objects.filter(verb="casefile.positioned", actor=evaluator).count() == 2


def test_reimporting_the_same_results_changes_nothing(evaluator, assessor, idf_site, files):
    content = results_csv([results_row(idf_site.siret, "DOS-1", assessor.email)])
    imported(content, actor=evaluator, contract="results")

    again = checked(content, actor=evaluator, contract="results")

    assert (again.unchanged_rows, again.new_rows, again.invalid_rows) == (1, 0, 0)
    assert Assessment.objects.count() == 1


def test_bad_result_rows_are_explained_and_nothing_is_written(evaluator, assessor, idf_site, files):
    rows = [
        results_row(idf_site.siret, "DOS-1", assessor.email, **{"D1.1": "AQ"}),
        results_row(idf_site.siret, "DOS-2", "personne@example.org"),
        results_row(idf_site.siret, "DOS-404", assessor.email),
        results_row(idf_site.siret, "DOS-1", assessor.email, type="finale"),
        results_row(idf_site.siret, "DOS-2", assessor.email, **{"D2.1": ""}),
        results_row(idf_site.siret, "DOS-1", assessor.email, **{"N1.1": "A"}),
    ]
    job = checked(results_csv(rows), actor=evaluator, contract="results")

    errors = {(e.line, e.column): e.message for e in job.row_errors.all()}
    assert job.invalid_rows == 6 and job.new_rows == 0
    assert "A (acquis), NA (non acquis)" in errors[(2, "d1.1")]
    assert "personne@example.org" in errors[(3, "evaluateur")]
    assert "aucun dossier « DOS-404 »" in errors[(4, "reference")]
    assert "n'attend pas une évaluation finale" in errors[(5, "type")]
    assert "D2.1 n'est pas évalué" in errors[(6, "")]
    assert "N1.1" in errors[(7, "")]
    assert not Assessment.objects.exists()


def test_an_officer_sends_results_on_behalf_of_the_assessor(officer, assessor, evaluator, idf_site, files):
    content = results_csv([results_row(idf_site.siret, "DOS-1", assessor.email)])

    job = imported(content, actor=officer, contract="results")

    assert job.status == ImportStatus.APPLIED
    assert CaseFile.objects.get(reference="DOS-1").state == CaseFileState.READY_FOR_JURY
    assert Assessment.objects.get().assessor == assessor  # the assessor named in the row stays the assessor
    positioned = AuditEvent.objects.get(verb="casefile.positioned")
    organisation = idf_site.organisation.legal_name
    assert positioned.actor == officer  # the one who entered it
    assert positioned.summary.endswith(
        f"Saisi par {officer.get_username()} pour le compte de {organisation}."
    )
    assert positioned.data["on_behalf_of"] == organisation


def test_an_evaluator_of_another_organisation_cannot_touch_the_files(
    evaluator_of_other_organisation, assessor, idf_site, files
):
    content = results_csv([results_row(idf_site.siret, "DOS-1", assessor.email)])

    job = checked(content, actor=evaluator_of_other_organisation, contract="results")

    assert job.invalid_rows == 1 and "périmètre" in job.row_errors.get().message
    assert not Assessment.objects.exists()


def test_a_file_is_found_at_the_site_its_row_names_whatever_the_siret_spacing(
    evaluator, assessor, idf_site, files
):
    other_site = SiteFactory(organisation=idf_site.organisation, department=idf_site.department)
    spaced = f"{idf_site.siret[:3]} {idf_site.siret[3:6]} {idf_site.siret[6:9]} {idf_site.siret[9:]}"
    rows = [
        results_row(other_site.siret, "DOS-1", assessor.email),  # the organisation's, at another site
        results_row(spaced, "DOS-2", assessor.email),
    ]
    job = checked(results_csv(rows), actor=evaluator, contract="results")

    errors = {(e.line, e.column): e.message for e in job.row_errors.all()}
    assert (job.invalid_rows, job.new_rows) == (1, 1)
    assert errors == {(2, "reference"): "aucun dossier « DOS-1 » dans cet établissement."}
