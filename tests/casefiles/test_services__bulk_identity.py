"""The bulk opening (imports) and people: a person the caller found nobody for, but recorded since (by the
form, another import), is looked up again under the identity locks and reused — never a second record."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accreditation.models import Domain
from casefiles.models import Candidate, CaseFile
from casefiles.services.bulk import FileToOpen, open_case_files_in_bulk
from workflows.pathway.bulk import start_pathways

pytestmark = pytest.mark.django_db
OPENED = dt.date.today() - dt.timedelta(days=3)


def _to_open(site, framework, reference: str, **person) -> FileToOpen:  # type: ignore[no-untyped-def]
    data = {
        "last_name": "Martin",
        "first_name": "Léa",
        "birth_date": dt.date(1999, 4, 2),
        "sex": "F",
        "email": "",
        "phone": "",
        "postcode": "93200",
        "status": "jobseeker",
        "sector": "",
        **dict.fromkeys(Candidate.BIRTH_FIELDS, ""),  # the bulk writer takes every field of the person
        **person,
    }
    return FileToOpen(
        reference=reference,
        site=site,
        certification=framework.certification,
        framework_id=framework.pk,
        domain_ids=list(Domain.objects.filter(framework_version=framework).values_list("pk", flat=True)),
        opened_on=OPENED,
        referrer="",
        candidate_id=None,  # the caller's lookup found nobody
        candidate_data=data,
        funding="opco",
        funding_note="OPCO EP",
    )


def test_a_person_recorded_since_the_callers_lookup_is_reused(evaluator, idf_site, framework):
    known = Candidate.objects.create(
        last_name="MARTIN",
        first_name="Lea",
        birth_date=dt.date(1999, 4, 2),
        postcode="93200",
        status="jobseeker",
    )

    (file_id,) = open_case_files_in_bulk(
        [_to_open(idf_site, framework, "DOS-1")],
        process_ids=start_pathways(1),
        actor=evaluator,
        source={"import": 0},
    )

    assert Candidate.objects.count() == 1
    case_file = CaseFile.objects.get(pk=file_id)
    assert case_file.candidate_id == known.pk
    assert (case_file.funding, case_file.funding_note) == ("opco", "OPCO EP")


def test_the_new_people_of_a_batch_are_locked_in_one_statement(evaluator, idf_site, framework):
    files = [_to_open(idf_site, framework, f"DOS-{n}", last_name=name) for n, name in enumerate("ABC")]

    with CaptureQueriesContext(connection) as queries:
        open_case_files_in_bulk(files, process_ids=start_pathways(3), actor=evaluator, source={"import": 0})

    if connection.vendor == "postgresql":
        locks = [q["sql"] for q in queries.captured_queries if "pg_advisory_xact_lock" in q["sql"]]
        assert len(locks) == 1
    assert Candidate.objects.count() == 3
