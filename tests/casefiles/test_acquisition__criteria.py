"""The framework decides acquisition: where criteria are entered, the sub-domain's threshold and its
mandatory criterion decide it; where the assessor records the sub-domain directly, the file shows the
assessor's verdict."""

from __future__ import annotations

import datetime as dt
from html import unescape

import pytest

from accreditation.models import FrameworkVersion, SubDomain
from backoffice.core.audit.models import AuditEvent
from casefiles.models import CaseFile, CaseFileState, DomainStatus
from casefiles.rules.acquisition import subdomain_acquired
from casefiles.selectors import domain_grid
from casefiles.services import record_positioning
from tests.casefiles.conftest import TODAY, plan_today, results_for

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)


def with_criteria(framework: FrameworkVersion, code: str, met: int) -> list[tuple[str, bool]]:
    """Every sub-domain acquired directly, but `code` entered criterion by criterion, its first `met` met."""
    subdomain = SubDomain.objects.get(domain__framework_version=framework, code=code)
    criteria = list(subdomain.criteria.order_by("position", "code"))
    return [(c, v) for c, v in results_for(framework) if c != code] + [
        (criterion.code, index < met) for index, criterion in enumerate(criteria)
    ]


def position(case_file: CaseFile, results, *, evaluator, assessor) -> CaseFile:
    record_positioning(
        case_file, assessed_on=TODAY - DAY, assessor=assessor, results=results, actor=evaluator
    )
    case_file.refresh_from_db()
    return case_file


def grid(case_file: CaseFile) -> dict[str, str]:
    return dict(case_file.domain_grid.values_list("domain__code", "status"))


# The rule itself, on a sub-domain of four criteria at the usual 75 % threshold.


def test_the_threshold_alone_decides_a_sub_domain_without_mandatory_criterion(framework):
    d13 = SubDomain.objects.get(domain__framework_version=framework, code="D1.3")
    assert d13.mandatory_criterion_id is None and d13.threshold_pct == 75
    ids = list(d13.criteria.values_list("pk", flat=True))
    assert len(ids) == 4

    assert subdomain_acquired(d13, {pk: i < 3 for i, pk in enumerate(ids)})  # 3 of 4: 75 %
    assert not subdomain_acquired(d13, {pk: i < 2 for i, pk in enumerate(ids)})  # 2 of 4: 50 %


def test_a_missing_mandatory_criterion_refuses_the_sub_domain_even_above_the_threshold(framework):
    d73 = SubDomain.objects.get(domain__framework_version=framework, code="D7.3")
    mandatory = d73.mandatory_criterion_id
    ids = list(d73.criteria.values_list("pk", flat=True))

    assert not subdomain_acquired(d73, {pk: pk != mandatory for pk in ids})  # 3 of 4, not the mandatory one
    others = [pk for pk in ids if pk != mandatory]
    assert subdomain_acquired(d73, {pk: pk == mandatory or pk in others[:2] for pk in ids})


# Through the service, as the form per criterion and the import both record it.


def test_three_criteria_of_four_acquire_the_sub_domain_and_it_is_recorded_as_decided_by_criteria(
    case_file, framework, evaluator, assessor
):
    case_file = position(
        case_file, with_criteria(framework, "D1.3", 3), evaluator=evaluator, assessor=assessor
    )

    assert grid(case_file)["D1"] == DomainStatus.ACQUIRED
    assert case_file.state == CaseFileState.READY_FOR_JURY
    assessment = case_file.assessments.get()
    assert assessment.results["D1.3"] is True
    assert assessment.decided_by_criteria == ["D1.3"]
    assert assessment.criteria == {"D1.3.1": True, "D1.3.2": True, "D1.3.3": True, "D1.3.4": False}
    event = AuditEvent.objects.get(verb="casefile.positioned", subject_id=str(case_file.pk))
    assert "D1" in event.data["acquired"]


def test_two_criteria_of_four_leave_the_sub_domain_and_its_domain_to_train(
    case_file, framework, evaluator, assessor
):
    case_file = position(
        case_file, with_criteria(framework, "D1.3", 2), evaluator=evaluator, assessor=assessor
    )

    assert grid(case_file)["D1"] == DomainStatus.TO_TRAIN
    assert case_file.state == CaseFileState.TRAINING
    assert case_file.assessments.get().results["D1.3"] is False
    event = AuditEvent.objects.get(verb="casefile.positioned", subject_id=str(case_file.pk))
    assert "D1" not in event.data["acquired"]


def test_the_mandatory_criterion_not_met_leaves_the_domain_to_train_even_at_the_threshold(
    case_file, framework, evaluator, assessor
):
    results = [(c, v) for c, v in results_for(framework) if c != "D7.3"]
    results += [(c.code, c.code != "D7.3.2") for c in SubDomain.objects.get(code="D7.3").criteria.all()]

    case_file = position(case_file, results, evaluator=evaluator, assessor=assessor)

    assert grid(case_file)["D7"] == DomainStatus.TO_TRAIN
    assert case_file.assessments.get().decided_by_criteria == ["D7.3"]


def test_the_grid_shows_which_sub_domains_the_criteria_decided_and_which_the_assessor(
    case_file, framework, evaluator, assessor
):
    case_file = position(
        case_file, with_criteria(framework, "D1.3", 3), evaluator=evaluator, assessor=assessor
    )

    d1 = next(row for row in domain_grid(case_file) if row.domain.code == "D1")
    verdicts = {v.code: v for v in d1.verdicts}
    assert set(verdicts) == {"D1.1", "D1.2", "D1.3", "D1.4", "D1.5"}
    assert verdicts["D1.3"].by_criteria and (verdicts["D1.3"].met, verdicts["D1.3"].total) == (3, 4)
    assert verdicts["D1.3"].source == "critères : 3/4 satisfaits"
    assert not verdicts["D1.1"].by_criteria
    assert verdicts["D1.1"].source == "verdict de l'évaluateur·rice"


def test_the_file_page_and_the_jury_show_the_source_of_each_sub_domain(
    client_for, case_file, framework, evaluator, assessor, officer, idf, jury_member, employee_member
):
    from workflows.pathway.commands import complete_step, start_pathway

    start_pathway(case_file)
    case_file.refresh_from_db()
    complete_step(
        case_file,
        "positioning",
        user=evaluator,
        run=lambda: record_positioning(
            case_file,
            assessed_on=TODAY - 20 * DAY,
            assessor=assessor,
            results=with_criteria(framework, "D1.3", 3),
            actor=evaluator,
        ),
    )
    file_page = unescape(
        client_for(evaluator).get(f"/candidats/dossiers/{case_file.pk}/detail/").content.decode()
    )
    session = plan_today(idf, jury_member, employee_member, actor=officer)
    item = session.agenda.get(case_file=case_file)
    jury_page = unescape(client_for(officer).get(f"/jurys/dossiers/{item.pk}/").content.decode())

    for page in (file_page, jury_page):
        assert "D1.3 : acquis (critères : 3/4 satisfaits)" in page
        assert "D1.1 : acquis (verdict de l'évaluateur·rice)" in page


def test_the_form_per_criterion_applies_the_threshold(client_for, evaluator, idf_site, clea, assessor):
    from accreditation.models import Criterion
    from tests.workflows.test_flow__pathway_http import open_file
    from workflows.models import CandidatePathwayTask

    staff = client_for(evaluator)
    case_file = open_file(staff, idf_site, clea)
    task = CandidatePathwayTask.objects.get(process=case_file.process, flow_task_type="HUMAN", status="NEW")
    base = f"/parcours/{case_file.process_id}/positioning/{task.pk}"
    assert staff.post(f"{base}/assign/", {}).status_code == 302
    criteria = Criterion.objects.filter(subdomain__domain__framework_version=case_file.framework_version)
    two_of_four = {"D1.3.3", "D1.3.4"}  # D1.3: 2 of its 4 criteria met, under the 75 % threshold

    response = staff.post(
        f"{base}/execute/?saisie=criteres",
        {
            "assessed_on": (TODAY - DAY).isoformat(),
            "assessor": assessor.pk,
            **{f"sd_{c.code}": "NA" if c.code in two_of_four else "A" for c in criteria},
        },
    )

    assert response.status_code == 302
    case_file.refresh_from_db()
    assert grid(case_file)["D1"] == DomainStatus.TO_TRAIN
    assert case_file.state == CaseFileState.TRAINING
    assessment = case_file.assessments.get()
    assert assessment.results["D1.3"] is False and assessment.results["D1.2"] is True
    assert "D1.3" in assessment.decided_by_criteria
    assert AuditEvent.objects.filter(verb="casefile.positioned", subject_id=str(case_file.pk)).exists()
