"""The person's status may change after a file was opened (an import updates it, a rectification corrects
it, a later opening types another): the file keeps the status given at its opening, on every opening path
(the form and the process's task: `open_case_file`; imports: `open_case_files_in_bulk`; the takeover:
unknown). The outcome surveys count it as the status at entry."""

from __future__ import annotations

import datetime as dt

import pytest

from backoffice.core.legacy.models import LegacyBatch
from casefiles.models import Candidate, CaseFile
from casefiles.services import open_case_file
from casefiles.services.bulk import open_case_files_in_bulk
from casefiles.services.privacy import rectify_candidate
from tests.casefiles.test_legacy__certificates import NUMBER, row, taken_over
from tests.casefiles.test_services__bulk_identity import _to_open
from workflows.pathway.bulk import start_pathways

from .conftest import TODAY

pytestmark = pytest.mark.django_db


def test_the_form_keeps_the_status_typed_at_the_opening(case_file):
    assert case_file.status_at_opening == case_file.candidate.status == "jobseeker"


def test_a_rectification_of_the_person_leaves_the_files_status_at_opening(case_file, supervisor):
    rectify_candidate(case_file.candidate, changes={"status": "employee"}, actor=supervisor)

    case_file.refresh_from_db()
    assert (case_file.candidate.status, case_file.status_at_opening) == ("employee", "jobseeker")


def test_a_known_person_opening_another_file_gets_the_status_typed_then(
    case_file, evaluator, idf_site, candidate_data, framework
):
    CaseFile.objects.filter(pk=case_file.pk).update(state="abandoned")
    again = open_case_file(
        site=idf_site,
        certification=framework.certification,
        opened_on=TODAY,
        candidate_data={**candidate_data, "status": "employee"},
        actor=evaluator,
    )

    assert again.candidate_id == case_file.candidate_id
    assert again.status_at_opening == "employee"
    assert Candidate.objects.get(pk=again.candidate_id).status == "jobseeker"  # the record is not updated


def test_an_opening_for_a_given_person_takes_their_recorded_status(case_file, evaluator, idf_site, framework):
    CaseFile.objects.filter(pk=case_file.pk).update(state="abandoned")
    Candidate.objects.filter(pk=case_file.candidate_id).update(status="other")

    again = open_case_file(
        site=idf_site,
        certification=framework.certification,
        opened_on=TODAY,
        candidate=Candidate.objects.get(pk=case_file.candidate_id),
        actor=evaluator,
    )

    assert again.status_at_opening == "other"


def test_an_import_keeps_each_rows_status_and_a_known_persons_record_when_the_row_has_none(
    evaluator, idf_site, framework
):
    born = dt.date(1980, 1, 1)
    known = Candidate.objects.create(
        last_name="Durand", first_name="Paul", birth_date=born, postcode="75001", status="other"
    )
    without_status = _to_open(idf_site, framework, "DOS-2", last_name="Durand", first_name="Paul")
    without_status.candidate_id = known.pk
    del without_status.candidate_data["status"]
    files = [_to_open(idf_site, framework, "DOS-1", status="employee"), without_status]

    ids = open_case_files_in_bulk(files, process_ids=start_pathways(2), actor=evaluator, source={})

    statuses = dict(CaseFile.objects.filter(pk__in=ids).values_list("reference", "status_at_opening"))
    assert statuses == {"DOS-1": "employee", "DOS-2": "other"}


def test_a_file_taken_over_from_the_old_system_has_no_status_at_opening(supervisor, idf_site):
    batch = LegacyBatch.objects.create(label="Reprise des certificats", created_by=supervisor)

    taken_over([row(idf_site)], actor=supervisor, batch=batch)

    assert CaseFile.objects.get(certificate__number=NUMBER).status_at_opening == ""
