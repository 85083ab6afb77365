"""CléA Numérique and CléA Management are trained by organisations accredited as trainers for them on every
day of the plan, from its start to its end (consecutive renewals count); CléA itself needs no such
accreditation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from accreditation.models import AccreditationRole, Certification, Department, Domain, FrameworkVersion
from accreditation.services import set_user_scope
from backoffice.core.accounts.roles import Role
from backoffice.core.audit.models import AuditEvent
from casefiles.models import CaseFileState, TrainingPlan
from casefiles.services import open_case_file, record_positioning, record_training_plan
from tests.casefiles.conftest import TODAY, results_for
from tests.factories import AccreditationFactory, SiteFactory, UserFactory

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)
STARTS_ON, ENDS_ON = TODAY - 40 * DAY, TODAY + 60 * DAY


@pytest.fixture(params=["CLEA_NUM", "CLEA_MGT"])
def certification(request, db) -> Certification:  # type: ignore[no-untyped-def]
    return Certification.objects.get(code=request.param)


@pytest.fixture
def training_centre(db):  # type: ignore[no-untyped-def]
    return SiteFactory(department=Department.objects.get(code="75"), name="Centre de formation Paris")


@pytest.fixture
def trainer_of_centre(training_centre):  # type: ignore[no-untyped-def]
    user = UserFactory(username="formatrice.centre", role=Role.TRAINER_STAFF)
    set_user_scope(user, organisation=training_centre.organisation, actor=None)
    return user


def file_in_training(certification, idf_site, evaluator, assessor, candidate_data):  # type: ignore[no-untyped-def]
    """A file of `certification` at a site of the evaluator's organisation, positioned with its first domain
    to train."""
    site = SiteFactory(organisation=idf_site.organisation, department=Department.objects.get(code="93"))
    AccreditationFactory(site=site, certification=certification)
    case_file = open_case_file(
        site=site,
        certification=certification,
        opened_on=TODAY - 60 * DAY,
        candidate_data=candidate_data,
        actor=evaluator,
    )
    framework = FrameworkVersion.objects.get(certification=certification, status="published")
    record_positioning(
        case_file,
        assessed_on=TODAY - 50 * DAY,
        assessor=assessor,
        results=results_for(framework, missing=(first_domain(framework).code,)),
        actor=evaluator,
    )
    case_file.refresh_from_db()
    assert case_file.state == CaseFileState.TRAINING
    return case_file


def first_domain(framework: FrameworkVersion) -> Domain:
    return Domain.objects.filter(framework_version=framework).order_by("position").first()


def plan(case_file, training_centre, trainer, evaluator):  # type: ignore[no-untyped-def]
    return record_training_plan(
        case_file,
        training_site=training_centre,
        trainer=trainer,
        domains=[first_domain(case_file.framework_version)],
        hours=35,
        starts_on=STARTS_ON,
        ends_on=ENDS_ON,
        actor=evaluator,
    )


def accredit_trainer(site, certification, valid_from, valid_to):  # type: ignore[no-untyped-def]
    return AccreditationFactory(
        site=site,
        certification=certification,
        role=AccreditationRole.TRAINER,
        valid_from=valid_from,
        valid_to=valid_to,
    )


def test_it_refuses_a_training_centre_not_accredited_as_trainer(
    certification, idf_site, evaluator, assessor, candidate_data, training_centre, trainer_of_centre
):
    case_file = file_in_training(certification, idf_site, evaluator, assessor, candidate_data)

    with pytest.raises(ValidationError) as error:
        plan(case_file, training_centre, trainer_of_centre, evaluator)

    assert any("n'est pas habilité comme organisme de formation" in m for m in error.value.messages)
    case_file.refresh_from_db()
    assert case_file.state == CaseFileState.TRAINING and not TrainingPlan.objects.exists()
    assert not AuditEvent.objects.filter(verb="casefile.training_planned").exists()


def test_it_refuses_a_plan_running_past_the_end_of_the_trainer_accreditation(
    certification, idf_site, evaluator, assessor, candidate_data, training_centre, trainer_of_centre
):
    case_file = file_in_training(certification, idf_site, evaluator, assessor, candidate_data)
    accredit_trainer(training_centre, certification, TODAY - 400 * DAY, TODAY + 10 * DAY)

    with pytest.raises(ValidationError) as error:
        plan(case_file, training_centre, trainer_of_centre, evaluator)

    expected = f"sur toute la durée de la formation (du {STARTS_ON:%d/%m/%Y} au {ENDS_ON:%d/%m/%Y})"
    assert any(expected in m for m in error.value.messages), error.value.messages
    assert not TrainingPlan.objects.exists()


def test_it_refuses_a_plan_with_a_gap_between_two_trainer_accreditations(
    certification, idf_site, evaluator, assessor, candidate_data, training_centre, trainer_of_centre
):
    case_file = file_in_training(certification, idf_site, evaluator, assessor, candidate_data)
    accredit_trainer(training_centre, certification, TODAY - 400 * DAY, TODAY + 10 * DAY)
    accredit_trainer(training_centre, certification, TODAY + 20 * DAY, TODAY + 900 * DAY)

    with pytest.raises(ValidationError, match="sur toute la durée de la formation"):
        plan(case_file, training_centre, trainer_of_centre, evaluator)


def test_it_accepts_a_plan_covered_by_the_trainer_accreditation_and_its_renewal(
    certification, idf_site, evaluator, assessor, candidate_data, training_centre, trainer_of_centre
):
    case_file = file_in_training(certification, idf_site, evaluator, assessor, candidate_data)
    accredit_trainer(training_centre, certification, TODAY - 400 * DAY, TODAY + 10 * DAY)
    accredit_trainer(training_centre, certification, TODAY + 11 * DAY, TODAY + 900 * DAY)

    recorded = plan(case_file, training_centre, trainer_of_centre, evaluator)

    assert (recorded.training_site, recorded.starts_on, recorded.ends_on) == (
        training_centre,
        STARTS_ON,
        ENDS_ON,
    )
    case_file.refresh_from_db()
    assert case_file.state == CaseFileState.FINAL_EVALUATION
    assert AuditEvent.objects.filter(verb="casefile.training_planned", subject_id=str(case_file.pk)).exists()


def test_it_refuses_a_plan_reaching_into_a_suspension_of_the_trainer_accreditation(
    certification, idf_site, evaluator, assessor, candidate_data, training_centre, trainer_of_centre
):
    case_file = file_in_training(certification, idf_site, evaluator, assessor, candidate_data)
    accreditation = accredit_trainer(training_centre, certification, TODAY - 400 * DAY, TODAY + 900 * DAY)
    supervisor = UserFactory(username="superviseure", role=Role.SUPERVISOR)
    from accreditation.services import suspend_accreditation

    suspend_accreditation(accreditation, reason="Contrôle qualité", actor=supervisor)

    with pytest.raises(ValidationError, match="sur toute la durée de la formation"):
        plan(case_file, training_centre, trainer_of_centre, evaluator)


def test_clea_itself_needs_no_trainer_accreditation(
    idf_site, evaluator, assessor, candidate_data, training_centre, trainer_of_centre
):
    clea = Certification.objects.get(code="CLEA")
    case_file = file_in_training(clea, idf_site, evaluator, assessor, candidate_data)

    recorded = plan(case_file, training_centre, trainer_of_centre, evaluator)

    assert recorded.training_site == training_centre
