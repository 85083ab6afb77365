"""Certif'Pro staff may enter an organisation's assessments for it (an import sent on its behalf): they are
the actor, "saisi par … pour le compte de …", the assessor stays the organisation's; outside their regions,
or for anyone else, the service refuses."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from accreditation.models import Domain
from backoffice.core.audit.models import AuditEvent
from casefiles.models import Assessment, AssessmentKind, CaseFileState
from casefiles.services import record_final_evaluation, record_positioning, record_training_plan
from tests.casefiles.conftest import plan_results, results_for

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def waiting_final(case_file, framework, evaluator, assessor, training_site, trainer_person):
    record_positioning(
        case_file,
        assessed_on=TODAY,
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
        starts_on=TODAY,
        ends_on=TODAY + dt.timedelta(days=1),
        actor=evaluator,
    )
    case_file.refresh_from_db()
    assert case_file.state == CaseFileState.FINAL_EVALUATION
    return case_file


def enter_final(case_file, framework, assessor, *, actor):  # type: ignore[no-untyped-def]
    record_final_evaluation(
        case_file, assessed_on=TODAY, assessor=assessor, results=plan_results(framework, ("D1",)), actor=actor
    )


def test_an_officer_of_the_region_enters_a_final_evaluation_for_the_organisation(
    waiting_final, framework, officer, assessor, idf_site
):
    enter_final(waiting_final, framework, assessor, actor=officer)

    final = Assessment.objects.get(case_file=waiting_final, kind=AssessmentKind.FINAL)
    assert final.assessor == assessor
    event = AuditEvent.objects.get(verb="casefile.final_evaluated")
    assert event.actor == officer
    assert f"pour le compte de {idf_site.organisation.legal_name}" in event.summary
    assert event.data["on_behalf_of"] == idf_site.organisation.legal_name


def test_an_officer_of_another_region_cannot_enter_it(
    waiting_final, framework, officer_of_other_region, assessor
):
    with pytest.raises(PermissionDenied):
        enter_final(waiting_final, framework, assessor, actor=officer_of_other_region)

    assert not Assessment.objects.filter(case_file=waiting_final, kind=AssessmentKind.FINAL).exists()


def test_a_jury_member_of_the_region_cannot_enter_it(waiting_final, framework, jury_member, assessor):
    with pytest.raises(PermissionDenied):
        enter_final(waiting_final, framework, assessor, actor=jury_member)


def test_the_organisations_own_staff_enter_it_without_mention(waiting_final, framework, evaluator, assessor):
    enter_final(waiting_final, framework, assessor, actor=evaluator)

    event = AuditEvent.objects.get(verb="casefile.final_evaluated")
    assert event.actor == evaluator and "pour le compte de" not in event.summary
    assert "on_behalf_of" not in event.data
