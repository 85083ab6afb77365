"""The candidate pathway through its services: every path, every rule, the audit trail."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accreditation.models import Department, Domain
from backoffice.core.audit.events import timeline
from casefiles.models import CaseFile, CaseFileState, DomainStatus, TrainingPlan
from casefiles.selectors import case_files_for, expiry_warning
from casefiles.services import (
    abandon_case_file,
    expire_case_files,
    open_case_file,
    record_final_evaluation,
    record_positioning,
    record_training_plan,
    transfer_case_file,
)
from tests.casefiles.conftest import TODAY, plan_results, results_for
from tests.factories import AccreditationFactory, SiteFactory

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)


def grid(case_file: CaseFile) -> dict[str, str]:
    return dict(case_file.domain_grid.values_list("domain__code", "status"))


def verbs(case_file: CaseFile) -> list[str]:
    return [event.verb for event in timeline(case_file)]


def plan(case_file, framework, training_site, trainer_person, evaluator, codes=("D1", "D2"), hours=35):
    domains = Domain.objects.filter(framework_version=framework, code__in=codes)
    return record_training_plan(
        case_file,
        training_site=training_site,
        trainer=trainer_person,
        domains=domains,
        hours=hours,
        starts_on=TODAY - 10 * DAY,
        ends_on=TODAY - 2 * DAY,
        actor=evaluator,
    )


def test_opening_a_file_starts_an_empty_domain_grid_on_the_published_framework(case_file, framework):
    assert case_file.state == CaseFileState.POSITIONING
    assert case_file.framework_version == framework
    assert set(grid(case_file).values()) == {DomainStatus.NOT_ASSESSED}
    assert len(grid(case_file)) == 7
    assert verbs(case_file) == ["casefile.opened"]


def test_all_domains_acquired_at_positioning_goes_straight_to_jury(case_file, framework, evaluator, assessor):
    record_positioning(
        case_file,
        assessed_on=TODAY - 20 * DAY,
        assessor=assessor,
        results=results_for(framework),
        actor=evaluator,
    )

    case_file.refresh_from_db()
    assert case_file.state == CaseFileState.READY_FOR_JURY
    assert set(grid(case_file).values()) == {DomainStatus.ACQUIRED}
    assert case_file.expires_on == (TODAY - 20 * DAY).replace(year=(TODAY - 20 * DAY).year + 5)
    assert verbs(case_file) == ["casefile.opened", "casefile.positioned", "casefile.ready_for_jury"]


def test_one_training_loop_then_ready_for_jury(
    case_file, framework, evaluator, assessor, training_site, trainer_person
):
    record_positioning(
        case_file,
        assessed_on=TODAY - 20 * DAY,
        assessor=assessor,
        results=results_for(framework, missing=("D1", "D2")),
        actor=evaluator,
    )
    case_file.refresh_from_db()
    assert case_file.state == CaseFileState.TRAINING
    assert grid(case_file)["D1"] == DomainStatus.TO_TRAIN and grid(case_file)["D3"] == DomainStatus.ACQUIRED

    plan(case_file, framework, training_site, trainer_person, evaluator)
    case_file.refresh_from_db()
    assert case_file.state == CaseFileState.FINAL_EVALUATION

    record_final_evaluation(
        case_file,
        assessed_on=TODAY - DAY,
        assessor=assessor,
        results=plan_results(framework, ("D1", "D2")),
        actor=evaluator,
    )
    case_file.refresh_from_db()
    assert case_file.state == CaseFileState.READY_FOR_JURY
    assert set(grid(case_file).values()) == {DomainStatus.ACQUIRED}
    assert verbs(case_file)[-3:] == [
        "casefile.training_planned",
        "casefile.final_evaluated",
        "casefile.ready_for_jury",
    ]


def test_two_training_loops_when_gaps_remain(
    case_file, framework, evaluator, assessor, training_site, trainer_person
):
    record_positioning(
        case_file,
        assessed_on=TODAY - 20 * DAY,
        assessor=assessor,
        results=results_for(framework, missing=("D1", "D2")),
        actor=evaluator,
    )
    plan(case_file, framework, training_site, trainer_person, evaluator)
    record_final_evaluation(
        case_file,
        assessed_on=TODAY - 2 * DAY,
        assessor=assessor,
        results=plan_results(framework, ("D1", "D2"), still_missing=("D2",)),
        actor=evaluator,
    )
    case_file.refresh_from_db()
    assert case_file.state == CaseFileState.TRAINING
    assert grid(case_file)["D1"] == DomainStatus.ACQUIRED and grid(case_file)["D2"] == DomainStatus.TO_TRAIN

    second = record_training_plan(
        case_file,
        training_site=training_site,
        trainer=trainer_person,
        domains=Domain.objects.filter(framework_version=framework, code="D2"),
        hours=14,
        starts_on=TODAY - 2 * DAY,
        ends_on=TODAY - DAY,
        actor=evaluator,
    )
    record_final_evaluation(
        case_file,
        assessed_on=TODAY,
        assessor=assessor,
        results=plan_results(framework, ("D2",)),
        actor=evaluator,
    )
    case_file.refresh_from_db()
    assert second.number == 2
    assert case_file.state == CaseFileState.READY_FOR_JURY
    assert TrainingPlan.objects.filter(case_file=case_file).count() == 2


def test_criteria_results_apply_the_threshold_and_the_mandatory_criterion(
    case_file, framework, evaluator, assessor
):
    # D7.3 has a mandatory criterion (D7.3.2): 3 of 4 criteria met is 75 %, but not that one.
    results = [(code, value) for code, value in results_for(framework) if code != "D7.3"]
    d73 = framework.domains.get(code="D7").subdomains.get(code="D7.3")
    results += [(c.code, c.code != "D7.3.2") for c in d73.criteria.all()]

    record_positioning(
        case_file, assessed_on=TODAY - DAY, assessor=assessor, results=results, actor=evaluator
    )

    case_file.refresh_from_db()
    assert grid(case_file)["D7"] == DomainStatus.TO_TRAIN
    assert case_file.state == CaseFileState.TRAINING


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda r: [*r, ("D9.9.9", True)], "D9.9.9 : critère ou sous-domaine inconnu"),
        (lambda r: [*r, r[0]], "D1.1 est saisi deux fois."),
        (lambda r: r[1:], "D1.1 n'est pas évalué."),
        (lambda r: [*r, ("D1.1.1", True)], "saisissez soit le résultat du sous-domaine, soit ses critères"),
    ],
)
def test_bad_positioning_results_are_refused_and_nothing_is_saved(
    case_file, framework, evaluator, assessor, mutate, message
):
    with pytest.raises(ValidationError) as error:
        record_positioning(
            case_file,
            assessed_on=TODAY - DAY,
            assessor=assessor,
            results=mutate(results_for(framework)),
            actor=evaluator,
        )
    assert any(message in text for text in error.value.messages), error.value.messages
    case_file.refresh_from_db()
    assert case_file.state == CaseFileState.POSITIONING
    assert not case_file.assessments.exists()
    assert verbs(case_file) == ["casefile.opened"]


@pytest.mark.parametrize(("days", "message"), [(1, "dans le futur"), (-60, "ne peut pas précéder l'accueil")])
def test_positioning_dates_cannot_be_in_the_future_or_before_opening(
    case_file, framework, evaluator, assessor, days, message
):
    day = timezone.localdate() + days * DAY  # read now: a run may cross midnight
    with pytest.raises(ValidationError, match=message):
        record_positioning(
            case_file, assessed_on=day, assessor=assessor, results=results_for(framework), actor=evaluator
        )


def test_a_candidate_cannot_hold_two_open_files_for_one_certification(case_file, evaluator, idf_site, clea):
    with pytest.raises(ValidationError, match="a déjà un dossier ouvert"):
        open_case_file(
            site=idf_site, certification=clea, opened_on=TODAY, candidate=case_file.candidate, actor=evaluator
        )
    assert CaseFile.objects.filter(candidate=case_file.candidate).count() == 1


def test_staff_of_another_organisation_cannot_open_a_file_here(
    evaluator_of_other_organisation, idf_site, clea, candidate_data
):
    with pytest.raises(PermissionDenied):
        open_case_file(
            site=idf_site,
            certification=clea,
            opened_on=TODAY,
            candidate_data=candidate_data,
            actor=evaluator_of_other_organisation,
        )
    assert not CaseFile.objects.exists()


def test_a_site_without_evaluator_accreditation_cannot_open_a_file(evaluator, idf_site, candidate_data):
    from accreditation.models import Certification

    with pytest.raises(ValidationError, match="n'est pas habilité comme évaluateur"):
        open_case_file(
            site=idf_site,
            certification=Certification.objects.get(code="CLEA_NUM"),
            opened_on=TODAY,
            candidate_data=candidate_data,
            actor=evaluator,
        )


class TestTrainingPlanRules:
    @pytest.fixture
    def positioned(self, case_file, framework, evaluator, assessor):
        record_positioning(
            case_file,
            assessed_on=TODAY - 20 * DAY,
            assessor=assessor,
            results=results_for(framework, missing=("D1",)),
            actor=evaluator,
        )
        case_file.refresh_from_db()
        return case_file

    @pytest.mark.parametrize(
        ("codes", "hours", "message"),
        [
            (("D1",), 0, "supérieur à zéro"),
            (("D1", "D3"), 20, "D3 est déjà acquis"),
            ((), 20, "au moins un domaine"),
        ],
    )
    def test_bad_plans_are_refused(
        self, positioned, framework, evaluator, training_site, trainer_person, codes, hours, message
    ):
        with pytest.raises(ValidationError) as error:
            plan(positioned, framework, training_site, trainer_person, evaluator, codes=codes, hours=hours)
        assert any(message in text for text in error.value.messages), error.value.messages
        positioned.refresh_from_db()
        assert positioned.state == CaseFileState.TRAINING
        assert not positioned.training_plans.exists()

    def test_final_results_outside_the_plan_are_refused(
        self, positioned, framework, evaluator, assessor, training_site, trainer_person
    ):
        plan(positioned, framework, training_site, trainer_person, evaluator, codes=("D1",))
        with pytest.raises(ValidationError, match="n'appartient pas aux domaines évalués"):
            record_final_evaluation(
                positioned,
                assessed_on=TODAY,
                assessor=assessor,
                results=plan_results(framework, ("D1", "D2")),
                actor=evaluator,
            )

    def test_the_final_assessor_cannot_be_the_trainer(
        self, positioned, framework, evaluator, idf_site, training_site
    ):
        # The trainer also works for the evaluation organisation: same person, both roles.
        plan(positioned, framework, idf_site, evaluator, evaluator, codes=("D1",))
        with pytest.raises(ValidationError, match="ne peut pas être le·la formateur·rice"):
            record_final_evaluation(
                positioned,
                assessed_on=TODAY,
                assessor=evaluator,
                results=plan_results(framework, ("D1",)),
                actor=evaluator,
            )
        positioned.refresh_from_db()
        assert positioned.state == CaseFileState.FINAL_EVALUATION


def test_a_step_already_recorded_cannot_be_recorded_again(case_file, framework, evaluator, assessor):
    record_positioning(
        case_file, assessed_on=TODAY - DAY, assessor=assessor, results=results_for(framework), actor=evaluator
    )
    with pytest.raises(ValidationError, match="Cette étape n'est plus possible"):
        record_positioning(
            case_file,
            assessed_on=TODAY - DAY,
            assessor=assessor,
            results=results_for(framework),
            actor=evaluator,
        )
    assert case_file.assessments.count() == 1


def test_abandon_needs_a_reason_and_closes_the_file(case_file, evaluator):
    with pytest.raises(ValidationError, match="motif"):
        abandon_case_file(case_file, reason=" ", actor=evaluator)

    abandon_case_file(case_file, reason="Reprise d'emploi", actor=evaluator)

    case_file.refresh_from_db()
    assert (case_file.state, case_file.closing_reason) == (CaseFileState.ABANDONED, "Reprise d'emploi")
    assert verbs(case_file)[-1] == "casefile.abandoned"


def test_outsider_cannot_abandon_a_file(case_file, evaluator_of_other_organisation, officer_of_other_region):
    for outsider in (evaluator_of_other_organisation, officer_of_other_region):
        with pytest.raises(PermissionDenied):
            abandon_case_file(case_file, reason="x", actor=outsider)
    case_file.refresh_from_db()
    assert case_file.state == CaseFileState.POSITIONING


def test_transfer_moves_the_file_and_the_old_organisation_loses_access(case_file, officer, evaluator):
    new_site = SiteFactory(department=Department.objects.get(code="92"))
    AccreditationFactory(site=new_site)

    transfer_case_file(case_file, to_site=new_site, reason="Déménagement", actor=officer)

    case_file.refresh_from_db()
    assert case_file.evaluation_site == new_site
    assert not case_files_for(evaluator).filter(pk=case_file.pk).exists()
    assert verbs(case_file)[-1] == "casefile.transferred"


def test_acquisitions_lapse_five_years_after_positioning(case_file, framework, evaluator, assessor):
    record_positioning(
        case_file,
        assessed_on=TODAY - 20 * DAY,
        assessor=assessor,
        results=results_for(framework, missing=("D1",)),
        actor=evaluator,
    )
    case_file.refresh_from_db()
    six_months_before = case_file.expires_on - dt.timedelta(days=150)
    assert expiry_warning(case_file, today=six_months_before) == "6 mois"

    assert expire_case_files(today=case_file.expires_on + DAY) == 1
    assert expire_case_files(today=case_file.expires_on + DAY) == 0

    case_file.refresh_from_db()
    assert case_file.state == CaseFileState.EXPIRED
    assert grid(case_file)["D2"] == DomainStatus.LAPSED
    assert verbs(case_file).count("casefile.expired") == 1


def test_undoing_a_final_evaluation_rebuilds_the_grid_from_the_positioning(
    case_file, framework, evaluator, assessor, training_site, trainer_person, supervisor
):
    from casefiles.services import undo_step

    record_positioning(
        case_file,
        assessed_on=TODAY - 20 * DAY,
        assessor=assessor,
        results=results_for(framework, missing=("D1",)),
        actor=evaluator,
    )
    plan(case_file, framework, training_site, trainer_person, evaluator, codes=("D1",))
    record_final_evaluation(
        case_file,
        assessed_on=TODAY - DAY,
        assessor=assessor,
        results=plan_results(framework, ("D1",)),
        actor=evaluator,
    )
    case_file.refresh_from_db()
    assert case_file.state == CaseFileState.READY_FOR_JURY

    undo_step(case_file, "final_evaluation", actor=supervisor)

    case_file.refresh_from_db()
    assert case_file.state == CaseFileState.FINAL_EVALUATION
    assert grid(case_file)["D1"] == DomainStatus.TO_TRAIN and grid(case_file)["D2"] == DomainStatus.ACQUIRED
    assert case_file.ready_for_jury_on is None
    assert verbs(case_file)[-1] == "casefile.step_undone"


@pytest.mark.parametrize(
    ("hours", "ends_in_years", "message"),
    [(1001, 0, "au plus 1000 heures"), (35, 6, "avant la fin du délai de 5 ans")],
)
def test_plans_are_bounded_in_hours_and_by_the_five_year_window(
    case_file, framework, evaluator, assessor, training_site, trainer_person, hours, ends_in_years, message
):
    record_positioning(
        case_file,
        assessed_on=TODAY - 20 * DAY,
        assessor=assessor,
        results=results_for(framework, missing=("D1",)),
        actor=evaluator,
    )
    with pytest.raises(ValidationError) as error:
        record_training_plan(
            case_file,
            training_site=training_site,
            trainer=trainer_person,
            domains=Domain.objects.filter(framework_version=framework, code="D1"),
            hours=hours,
            starts_on=TODAY,
            ends_on=TODAY.replace(year=TODAY.year + ends_in_years),
            actor=evaluator,
        )
    assert any(message in text for text in error.value.messages), error.value.messages


def test_a_birth_date_in_the_future_is_refused(evaluator, idf_site, clea, candidate_data):
    with pytest.raises(ValidationError, match="date de naissance"):
        open_case_file(
            site=idf_site,
            certification=clea,
            opened_on=TODAY,
            actor=evaluator,
            candidate_data={**candidate_data, "birth_date": timezone.localdate() + DAY},
        )
    assert not CaseFile.objects.exists()
