"""The 5-year window is about acquiring: it runs from the positioning, a final evaluation dated after it is
refused on every path, and only a file still acquiring lapses at its end (not one waiting for its jury)."""

from __future__ import annotations

import datetime as dt
from html import unescape

import pytest
from django.core.exceptions import ValidationError
from viewflow.workflow.status import STATUS

from accreditation.models import Domain
from backoffice.core.audit.models import AuditEvent
from backoffice.notifications.models import Notification
from backoffice.notifications.reminders import remind_windows
from casefiles.models import AssessmentKind, CaseFile, CaseFileState, DomainStatus
from casefiles.selectors import expiry_warning
from casefiles.services import (
    expire_case_file,
    expire_case_files,
    record_final_evaluation,
    record_positioning,
    record_training_plan,
)
from tests.casefiles.conftest import TODAY, plan_results, ready_file, results_for
from workflows.models import CandidatePathwayTask

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)


def verbs(case_file: CaseFile) -> list[str]:
    return list(
        AuditEvent.objects.filter(subject_id=str(case_file.pk)).order_by("id").values_list("verb", flat=True)
    )


def awaiting_final_evaluation(case_file, framework, evaluator, assessor, training_site, trainer_person):
    """Positioned 20 days ago with D1 to train, then a plan on D1: the final evaluation is awaited."""
    record_positioning(
        case_file,
        assessed_on=TODAY - 20 * DAY,
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
        starts_on=TODAY - 10 * DAY,
        ends_on=TODAY - 8 * DAY,
        actor=evaluator,
    )
    case_file.refresh_from_db()
    assert case_file.state == CaseFileState.FINAL_EVALUATION
    return case_file


def window_ended(case_file: CaseFile, *, days_ago: int = 5) -> CaseFile:
    """As if five years had passed since the positioning: the window ended `days_ago` days ago."""
    CaseFile.objects.filter(pk=case_file.pk).update(expires_on=TODAY - days_ago * DAY)
    case_file.refresh_from_db()
    return case_file


def test_a_file_whose_domains_were_all_acquired_in_time_does_not_lapse_while_it_waits_for_a_jury(
    idf_site, clea, framework, evaluator, assessor
):
    waiting = ready_file(idf_site, clea, framework, evaluator, assessor, last_name="Attente")
    after_the_window = waiting.expires_on + 30 * DAY

    assert expire_case_files(today=after_the_window) == 0
    assert expire_case_file(waiting.pk, today=after_the_window) is False

    waiting.refresh_from_db()
    assert waiting.state == CaseFileState.READY_FOR_JURY
    assert set(waiting.domain_grid.values_list("status", flat=True)) == {DomainStatus.ACQUIRED}
    assert "casefile.expired" not in verbs(waiting)


def test_a_file_still_acquiring_lapses_at_the_end_of_its_window(
    case_file, framework, evaluator, assessor, training_site, trainer_person
):
    case_file = awaiting_final_evaluation(
        case_file, framework, evaluator, assessor, training_site, trainer_person
    )

    assert expire_case_files(today=case_file.expires_on + DAY) == 1

    case_file.refresh_from_db()
    assert case_file.state == CaseFileState.EXPIRED
    assert set(case_file.domain_grid.values_list("status", flat=True)) == {
        DomainStatus.LAPSED,
        DomainStatus.TO_TRAIN,
    }
    assert verbs(case_file).count("casefile.expired") == 1


def test_the_warning_and_the_reminders_concern_only_files_still_acquiring(
    case_file, idf_site, clea, framework, evaluator, assessor
):
    waiting = ready_file(idf_site, clea, framework, evaluator, assessor, last_name="Attente")
    record_positioning(
        case_file,
        assessed_on=TODAY - 20 * DAY,
        assessor=assessor,
        results=results_for(framework, missing=("D1",)),
        actor=evaluator,
    )
    case_file.refresh_from_db()
    today = case_file.expires_on - 30 * DAY

    assert expiry_warning(case_file, today=today) == "3 mois"
    assert expiry_warning(waiting, today=today) is None
    assert remind_windows(today) > 0
    keys = Notification.objects.filter(key__startswith="window:").values_list("key", flat=True)
    reminded = {key.split(":")[1] for key in keys}
    assert reminded == {str(case_file.pk)}


def test_a_final_evaluation_dated_after_the_window_is_refused_and_nothing_changes(
    case_file, framework, evaluator, assessor, training_site, trainer_person
):
    case_file = awaiting_final_evaluation(
        case_file, framework, evaluator, assessor, training_site, trainer_person
    )
    case_file = window_ended(case_file)
    before = verbs(case_file)

    with pytest.raises(ValidationError) as error:
        record_final_evaluation(
            case_file,
            assessed_on=TODAY - DAY,
            assessor=assessor,
            results=plan_results(framework, ("D1",)),
            actor=evaluator,
        )

    message = " ".join(error.value.messages)
    assert (
        f"L'évaluation finale du {TODAY - DAY:%d/%m/%Y} est postérieure à la fin du délai de 5 ans" in message
    )
    assert f"({case_file.expires_on:%d/%m/%Y})" in message
    case_file.refresh_from_db()
    assert case_file.state == CaseFileState.FINAL_EVALUATION
    assert not case_file.assessments.filter(kind=AssessmentKind.FINAL).exists()
    assert dict(case_file.domain_grid.values_list("domain__code", "status"))["D1"] == DomainStatus.TO_TRAIN
    assert verbs(case_file) == before


def test_a_final_evaluation_dated_on_the_last_day_of_the_window_is_recorded(
    case_file, framework, evaluator, assessor, training_site, trainer_person
):
    case_file = awaiting_final_evaluation(
        case_file, framework, evaluator, assessor, training_site, trainer_person
    )
    case_file = window_ended(case_file, days_ago=1)

    record_final_evaluation(
        case_file,
        assessed_on=case_file.expires_on,
        assessor=assessor,
        results=plan_results(framework, ("D1",)),
        actor=evaluator,
    )

    case_file.refresh_from_db()
    assert case_file.state == CaseFileState.READY_FOR_JURY
    assert verbs(case_file)[-2:] == ["casefile.final_evaluated", "casefile.ready_for_jury"]
    # Acquired in time: it now waits for its jury, whatever the calendar.
    assert expire_case_files(today=TODAY + 365 * DAY) == 0


def test_the_final_evaluation_form_refuses_a_date_after_the_window_in_french(
    client_for, evaluator, idf_site, clea, assessor, training_site, trainer_person
):
    from tests.workflows.test_flow__pathway_http import do_task, open_and_position, results

    staff = client_for(evaluator)
    case_file = open_and_position(staff, idf_site, clea, assessor, missing=("D1",), days_ago=15)
    response = do_task(
        staff,
        case_file,
        "training_plan",
        {
            "domains": [Domain.objects.get(framework_version=case_file.framework_version, code="D1").pk],
            "training_site": training_site.pk,
            "trainer": trainer_person.pk,
            "hours": 30,
            "starts_on": (TODAY - 10 * DAY).isoformat(),
            "ends_on": (TODAY - 8 * DAY).isoformat(),
        },
    )
    assert response.status_code == 302
    case_file = window_ended(case_file)

    response = do_task(
        staff,
        case_file,
        "final_evaluation",
        {
            "assessed_on": (TODAY - DAY).isoformat(),
            "assessor": assessor.pk,
            **results(case_file, domains=("D1",)),
        },
    )

    assert response.status_code == 200
    assert "est postérieure à la fin du délai de 5 ans" in unescape(response.content.decode())
    case_file.refresh_from_db()
    assert case_file.state == CaseFileState.FINAL_EVALUATION
    assert not case_file.assessments.filter(kind=AssessmentKind.FINAL).exists()
    assert CandidatePathwayTask.objects.filter(
        process=case_file.process, flow_task_type="HUMAN", status__in=[STATUS.NEW, STATUS.ASSIGNED]
    ).exists()
    assert "casefile.final_evaluated" not in verbs(case_file)
