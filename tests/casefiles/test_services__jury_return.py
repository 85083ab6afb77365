"""A file returned by the jury goes back to its evaluator with the reason; the evaluator answers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accreditation.models import Domain
from backoffice.core.audit.events import timeline
from casefiles.models import CaseFile, CaseFileState, DomainStatus
from casefiles.services import answer_jury_return, record_positioning, return_case_file_from_jury
from tests.casefiles.conftest import TODAY, results_for

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)


@pytest.fixture
def ready_file(case_file, framework, evaluator, assessor) -> CaseFile:
    record_positioning(
        case_file,
        assessed_on=TODAY - 20 * DAY,
        assessor=assessor,
        results=results_for(framework),
        actor=evaluator,
    )
    case_file.refresh_from_db()
    assert case_file.state == CaseFileState.READY_FOR_JURY
    return case_file


@pytest.fixture
def returned_file(ready_file, jury_member) -> CaseFile:
    return return_case_file_from_jury(
        ready_file, reason="Preuves du domaine D3 insuffisantes", actor=jury_member
    )


def verbs(case_file: CaseFile) -> list[str]:
    return [event.verb for event in timeline(case_file)]


def test_the_jury_of_the_region_returns_the_file_with_its_reason(returned_file, jury_member):
    returned_file.refresh_from_db()
    assert returned_file.state == CaseFileState.RETURNED
    assert returned_file.return_reason == "Preuves du domaine D3 insuffisantes"
    assert returned_file.returned_on == timezone.localdate()
    event = list(timeline(returned_file))[-1]
    assert event.verb == "casefile.returned_by_jury"
    assert event.actor == jury_member
    assert "Preuves du domaine D3 insuffisantes" in event.summary
    # The domain acquisitions stay on the record whatever the jury decides.
    assert set(returned_file.domain_grid.values_list("status", flat=True)) == {DomainStatus.ACQUIRED}


def test_a_return_without_reason_is_refused_and_nothing_changes(ready_file, jury_member):
    with pytest.raises(ValidationError, match="motif du renvoi est obligatoire"):
        return_case_file_from_jury(ready_file, reason="   ", actor=jury_member)
    ready_file.refresh_from_db()
    assert ready_file.state == CaseFileState.READY_FOR_JURY
    assert "casefile.returned_by_jury" not in verbs(ready_file)


@pytest.mark.parametrize("who", ["jury_member_of_other_region", "evaluator", "officer"])
def test_only_the_jury_of_the_files_region_can_return_it(request, ready_file, ara, who):
    if who == "jury_member_of_other_region":
        from accreditation.services import set_user_scope
        from backoffice.core.accounts.roles import Role
        from tests.factories import UserFactory

        actor = UserFactory(username="jury.ara", role=Role.JURY_MEMBER)
        set_user_scope(actor, regions=[ara], actor=None)
    else:
        actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        return_case_file_from_jury(ready_file, reason="Motif", actor=actor)
    ready_file.refresh_from_db()
    assert ready_file.state == CaseFileState.READY_FOR_JURY


def test_a_file_not_ready_for_jury_cannot_be_returned(case_file, jury_member):
    with pytest.raises(ValidationError, match="n'est plus possible"):
        return_case_file_from_jury(case_file, reason="Motif", actor=jury_member)


def test_the_evaluator_sends_the_completed_file_back_to_the_jury(returned_file, evaluator):
    answer_jury_return(returned_file, response="Grille D3 signée ajoutée au dossier", actor=evaluator)

    returned_file.refresh_from_db()
    assert returned_file.state == CaseFileState.READY_FOR_JURY
    assert returned_file.ready_for_jury_on == timezone.localdate()
    event = list(timeline(returned_file))[-1]
    assert event.verb == "casefile.return_answered"
    assert "Grille D3 signée ajoutée au dossier" in event.summary


def test_the_evaluator_reopens_the_questioned_domain_for_training(returned_file, evaluator, framework):
    d3 = Domain.objects.get(framework_version=framework, code="D3")

    answer_jury_return(returned_file, response="Réévaluation du D3", reopened_domains=[d3], actor=evaluator)

    returned_file.refresh_from_db()
    assert returned_file.state == CaseFileState.TRAINING
    assert returned_file.ready_for_jury_on is None
    grid = dict(returned_file.domain_grid.values_list("domain__code", "status"))
    assert grid.pop("D3") == DomainStatus.TO_TRAIN
    assert set(grid.values()) == {DomainStatus.ACQUIRED}
    assert list(timeline(returned_file))[-1].data["reopened"] == ["D3"]


def test_an_answer_without_text_or_reopening_an_unacquired_domain_is_refused(
    returned_file, evaluator, framework
):
    d3 = Domain.objects.get(framework_version=framework, code="D3")
    returned_file.domain_grid.filter(domain=d3).update(status=DomainStatus.TO_TRAIN)

    with pytest.raises(ValidationError) as error:
        answer_jury_return(returned_file, response="", reopened_domains=[d3], actor=evaluator)

    assert "Indiquez ce qui a été complété" in " ".join(error.value.messages)
    assert "D3 n'est pas acquis" in " ".join(error.value.messages)
    returned_file.refresh_from_db()
    assert returned_file.state == CaseFileState.RETURNED
    assert "casefile.return_answered" not in verbs(returned_file)


def test_staff_of_another_organisation_cannot_answer_the_return(
    returned_file, evaluator_of_other_organisation
):
    with pytest.raises(PermissionDenied):
        answer_jury_return(returned_file, response="Complété", actor=evaluator_of_other_organisation)
    returned_file.refresh_from_db()
    assert returned_file.state == CaseFileState.RETURNED


def test_steps_of_a_returned_file_can_no_longer_be_undone(returned_file, evaluator, supervisor, framework):
    from casefiles.services import undo_step

    d3 = Domain.objects.get(framework_version=framework, code="D3")
    answer_jury_return(returned_file, response="Réévaluation du D3", reopened_domains=[d3], actor=evaluator)

    with pytest.raises(ValidationError, match="renvoyé par le jury"):
        undo_step(returned_file, "positioning", actor=supervisor)
    returned_file.refresh_from_db()
    assert returned_file.state == CaseFileState.TRAINING
    assert returned_file.domain_grid.get(domain=d3).status == DomainStatus.TO_TRAIN
