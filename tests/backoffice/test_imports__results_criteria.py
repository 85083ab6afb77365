"""The results file with optional criterion columns (`D1.3.2`): values as people type them, the threshold
and the mandatory criterion decide the sub-domain as on the form; a final evaluation after the 5-year window
is refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accreditation.models import Criterion, Domain
from backoffice.core.audit.models import AuditEvent
from backoffice.imports.contracts.results import criterion_codes, subdomain_codes
from backoffice.imports.models import ImportStatus
from casefiles.models import Assessment, AssessmentKind, CaseFile, CaseFileState, DomainStatus
from casefiles.services import record_positioning, record_training_plan
from tests.backoffice.imports_helpers import checked, csv_bytes, imported
from tests.backoffice.test_imports__results import BASE, results_row
from tests.backoffice.test_imports__results import files as files  # the fixture
from tests.casefiles.conftest import plan_results, results_for

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)


def criteria_of(code: str) -> list[str]:
    return list(
        Criterion.objects.filter(
            subdomain__code=code, subdomain__domain__framework_version__certification__code="CLEA"
        )
        .order_by("position", "code")
        .values_list("code", flat=True)
    )


def by_criteria(row: dict[str, str], subdomain: str, values: list[str]) -> dict[str, str]:
    """The row with `subdomain` left empty and its criteria given one by one."""
    row = {**row, subdomain: ""}
    row.update(zip(criteria_of(subdomain), values, strict=True))
    return row


def results_csv(rows: list[dict[str, str]]) -> bytes:
    return csv_bytes(rows, header=BASE + subdomain_codes() + criterion_codes())


def grid(case_file: CaseFile) -> dict[str, str]:
    return dict(case_file.domain_grid.values_list("domain__code", "status"))


def test_criterion_columns_as_people_type_them_apply_the_threshold(evaluator, assessor, idf_site, files):
    rows = [
        by_criteria(
            results_row(idf_site.siret, "DOS-1", assessor.email), "D1.3", ["1", "oui", "Acquis", "0"]
        ),
        by_criteria(results_row(idf_site.siret, "DOS-2", assessor.email), "D1.3", ["A", "NA", "non", "1"]),
    ]

    job = imported(results_csv(rows), actor=evaluator, contract="results", name="resultats.csv")

    assert job.status == ImportStatus.APPLIED and job.new_rows == 2
    three_of_four, two_of_four = (
        CaseFile.objects.get(reference="DOS-1"),
        CaseFile.objects.get(reference="DOS-2"),
    )
    assert grid(three_of_four)["D1"] == DomainStatus.ACQUIRED
    assert three_of_four.state == CaseFileState.READY_FOR_JURY
    assert grid(two_of_four)["D1"] == DomainStatus.TO_TRAIN
    assert two_of_four.state == CaseFileState.TRAINING
    assessment = Assessment.objects.get(case_file=three_of_four)
    assert assessment.decided_by_criteria == ["D1.3"]
    assert assessment.criteria == {"D1.3.1": True, "D1.3.2": True, "D1.3.3": True, "D1.3.4": False}
    event = AuditEvent.objects.get(verb="casefile.positioned", subject_id=str(two_of_four.pk))
    assert "D1" not in event.data["acquired"]


def test_a_mandatory_criterion_not_met_in_the_file_leaves_the_domain_to_train(
    evaluator, assessor, idf_site, files
):
    values = ["non acquis" if code == "D7.3.2" else "acquis" for code in criteria_of("D7.3")]
    row = by_criteria(results_row(idf_site.siret, "DOS-1", assessor.email), "D7.3", values)

    job = imported(results_csv([row]), actor=evaluator, contract="results")

    assert job.status == ImportStatus.APPLIED
    case_file = CaseFile.objects.get(reference="DOS-1")
    assert grid(case_file)["D7"] == DomainStatus.TO_TRAIN
    assert Assessment.objects.get(case_file=case_file).results["D7.3"] is False


def test_reimporting_the_same_criteria_changes_nothing(evaluator, assessor, idf_site, files):
    row = by_criteria(results_row(idf_site.siret, "DOS-1", assessor.email), "D1.3", ["1", "1", "1", "0"])
    imported(results_csv([row]), actor=evaluator, contract="results")

    again = checked(results_csv([row]), actor=evaluator, contract="results")

    assert (again.unchanged_rows, again.new_rows, again.invalid_rows) == (1, 0, 0)
    assert Assessment.objects.count() == 1


def test_an_unreadable_criterion_value_is_explained_and_nothing_is_written(
    evaluator, assessor, idf_site, files
):
    row = by_criteria(
        results_row(idf_site.siret, "DOS-1", assessor.email), "D1.3", ["1", "peut-être", "1", "0"]
    )

    job = checked(results_csv([row]), actor=evaluator, contract="results")

    errors = {(e.line, e.column): e.message for e in job.row_errors.all()}
    assert job.invalid_rows == 1
    assert "« peut-être » : saisissez A (acquis), NA (non acquis)" in errors[(2, "d1.3.2")]
    assert not Assessment.objects.exists()


def test_a_final_evaluation_dated_after_the_window_is_refused_in_the_file(
    evaluator, assessor, idf_site, files, training_site, trainer_person, framework
):
    today = timezone.localdate()
    case_file = files["DOS-1"]
    record_positioning(
        case_file,
        assessed_on=today - 4 * DAY,  # the files were opened 5 days ago
        assessor=assessor,
        results=results_for(framework, missing=("D1",)),
        actor=evaluator,
    )
    record_training_plan(
        case_file,
        training_site=training_site,
        trainer=trainer_person,
        domains=Domain.objects.filter(framework_version=framework, code="D1"),
        hours=35,
        starts_on=today - 3 * DAY,
        ends_on=today - 2 * DAY,
        actor=evaluator,
    )
    window_end = today - DAY  # as if five years had passed since the positioning
    CaseFile.objects.filter(pk=case_file.pk).update(expires_on=window_end)
    row = {
        **results_row(idf_site.siret, "DOS-1", assessor.email, type="finale"),
        **{code: "" for code in subdomain_codes()},
        **{code: "A" if ok else "NA" for code, ok in plan_results(framework, ("D1",))},
    }

    job = checked(results_csv([row]), actor=evaluator, contract="results")

    errors = {(e.line, e.column): e.message for e in job.row_errors.all()}
    assert job.invalid_rows == 1 and job.new_rows == 0
    assert (
        f"L'évaluation finale du {today:%d/%m/%Y} est postérieure à la fin du délai de 5 ans "
        f"({window_end:%d/%m/%Y})" in errors[(2, "date_evaluation")]
    )
    case_file.refresh_from_db()
    assert case_file.state == CaseFileState.FINAL_EVALUATION
    assert not Assessment.objects.filter(case_file=case_file, kind=AssessmentKind.FINAL).exists()
