"""Each act on a file is judged by the evaluation site's accreditation as it stood on the act's own date: a
suspension blocks what is dated from its first day, never what was done before; an expiry never
invalidates what was done in time."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from accreditation.models import Department
from accreditation.services import expire_accreditations, suspend_accreditation
from backoffice.core.audit.models import AuditEvent
from casefiles.models import Assessment, CaseFileState
from casefiles.services import open_case_file, record_positioning
from tests.casefiles.conftest import TODAY, results_for
from tests.factories import AccreditationFactory, SiteFactory

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)


def _positioned_events(case_file) -> int:  # type: ignore[no-untyped-def]
    return AuditEvent.objects.filter(verb="casefile.positioned", subject_id=str(case_file.pk)).count()


def test_a_positioning_dated_before_a_suspension_recorded_after_it_is_accepted(
    case_file, framework, evaluator, assessor, supervisor, idf_site
):
    suspend_accreditation(idf_site.accreditations.get(), reason="Contrôle qualité", actor=supervisor)

    record_positioning(
        case_file,
        assessed_on=TODAY - 5 * DAY,
        assessor=assessor,
        results=results_for(framework),
        actor=evaluator,
    )

    case_file.refresh_from_db()
    assert case_file.state == CaseFileState.READY_FOR_JURY and case_file.positioned_on == TODAY - 5 * DAY
    assert _positioned_events(case_file) == 1


def test_a_positioning_dated_on_or_after_the_suspension_is_refused(
    case_file, framework, evaluator, assessor, supervisor, idf_site
):
    suspend_accreditation(idf_site.accreditations.get(), reason="Contrôle qualité", actor=supervisor)

    with pytest.raises(ValidationError) as error:
        record_positioning(
            case_file, assessed_on=TODAY, assessor=assessor, results=results_for(framework), actor=evaluator
        )

    assert error.value.messages == [
        f"L'établissement {idf_site.name} n'est pas habilité comme évaluateur pour {case_file.certification} "
        f"le {TODAY:%d/%m/%Y}."
    ]
    case_file.refresh_from_db()
    assert case_file.state == CaseFileState.POSITIONING and not Assessment.objects.exists()
    assert _positioned_events(case_file) == 0


def test_acts_dated_within_an_accreditation_since_expired_are_accepted(
    evaluator, assessor, clea, framework, candidate_data
):
    site = SiteFactory(
        organisation=evaluator.scope.organisation, department=Department.objects.get(code="93")
    )
    AccreditationFactory(site=site, valid_from=TODAY - 900 * DAY, valid_to=TODAY - 10 * DAY)
    assert expire_accreditations(today=TODAY) == 1

    case_file = open_case_file(
        site=site,
        certification=clea,
        opened_on=TODAY - 40 * DAY,
        candidate_data=candidate_data,
        actor=evaluator,
    )
    record_positioning(
        case_file,
        assessed_on=TODAY - 10 * DAY,
        assessor=assessor,
        results=results_for(framework),
        actor=evaluator,
    )

    case_file.refresh_from_db()
    assert case_file.opened_on == TODAY - 40 * DAY and case_file.state == CaseFileState.READY_FOR_JURY
    assert _positioned_events(case_file) == 1


def test_an_act_dated_after_the_end_of_validity_is_refused(
    evaluator, assessor, clea, framework, candidate_data
):
    site = SiteFactory(
        organisation=evaluator.scope.organisation, department=Department.objects.get(code="93")
    )
    AccreditationFactory(site=site, valid_from=TODAY - 900 * DAY, valid_to=TODAY - 10 * DAY)
    case_file = open_case_file(
        site=site,
        certification=clea,
        opened_on=TODAY - 40 * DAY,
        candidate_data=candidate_data,
        actor=evaluator,
    )

    with pytest.raises(ValidationError, match=f"le {TODAY - 9 * DAY:%d/%m/%Y}"):
        record_positioning(
            case_file,
            assessed_on=TODAY - 9 * DAY,
            assessor=assessor,
            results=results_for(framework),
            actor=evaluator,
        )
