"""One person, one record when an import and the form open files of the same new person at once: the bulk
opening takes the identity locks the form takes, then looks the people up again (advisory locks)."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from accreditation.models import Certification, Department
from accreditation.services import set_user_scope
from backoffice.core.accounts.roles import Role
from backoffice.imports import services
from backoffice.imports.models import ImportStatus
from casefiles.models import Candidate, CaseFile
from casefiles.rules.identity import identity_key
from casefiles.services import open_case_file
from fixtures.reference import load_reference_data
from tests.backoffice.imports_helpers import candidate_row, checked, csv_bytes
from tests.factories import AccreditationFactory, SiteFactory, UserFactory

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="advisory locks are PostgreSQL's")
BIRTH = dt.date(1999, 4, 2)
PERSON = {
    "last_name": "Martin",
    "first_name": "Léa",
    "birth_date": BIRTH,
    "postcode": "93200",
    "status": "jobseeker",
}


@pytest.fixture
def world(transactional_db):  # type: ignore[no-untyped-def]
    load_reference_data()  # committed rows: each thread has its own connection
    site = SiteFactory(department=Department.objects.get(code="93"))
    for code in ("CLEA", "CLEA_NUM"):
        AccreditationFactory(site=site, certification=Certification.objects.get(code=code))
    staff = UserFactory(username="race.evaluator", role=Role.EVALUATOR_STAFF)
    set_user_scope(staff, organisation=site.organisation, actor=None)
    return site, staff


def _waiting_for_an_identity_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        )
        return cursor.fetchone()[0] > 0


def test_an_import_and_the_form_opening_the_same_new_person_make_one_record(world):
    site, staff = world
    day = f"{dt.date.today() - dt.timedelta(days=3):%d/%m/%Y}"
    job = checked(csv_bytes([candidate_row(site.siret, "DOS-1", date_accueil=day)]), actor=staff)
    assert job.new_rows == 1  # the check found nobody: the person is new
    services.confirm_import(job, skip_invalid=False, actor=staff)

    def apply() -> None:
        try:
            services.apply_import(job.pk)
        finally:
            connection.close()

    importer = threading.Thread(target=apply)
    with transaction.atomic():  # the form opens a CléA Numérique file: the person is recorded, not committed
        open_case_file(
            site=site,
            certification=Certification.objects.get(code="CLEA_NUM"),
            opened_on=dt.date.today(),
            candidate_data=PERSON,
            actor=staff,
        )
        importer.start()
        for _ in range(200):  # until the import waits for the identity the form holds (bounded)
            if _waiting_for_an_identity_lock() or not importer.is_alive():
                break
            time.sleep(0.05)
    importer.join(timeout=30)

    job.refresh_from_db()
    assert job.status == ImportStatus.APPLIED, job.outcome
    person = Candidate.objects.get(identity_key=identity_key("Martin", "Léa", BIRTH))
    assert sorted(
        CaseFile.objects.filter(candidate=person).values_list("certification__code", flat=True)
    ) == [
        "CLEA",
        "CLEA_NUM",
    ]


def test_the_bulk_opening_locks_a_batchs_new_people_in_one_statement(world):
    site, staff = world
    day = f"{dt.date.today() - dt.timedelta(days=3):%d/%m/%Y}"
    rows = [
        candidate_row(site.siret, f"DOS-{n}", nom=name, date_accueil=day)
        for n, name in enumerate(["Martin", "Durand", "Petit"], start=1)
    ]
    job = checked(csv_bytes(rows), actor=staff)
    services.confirm_import(job, skip_invalid=False, actor=staff)

    with CaptureQueriesContext(connection) as queries:
        services.apply_import(job.pk)

    locks = [q["sql"] for q in queries.captured_queries if "pg_advisory_xact_lock" in q["sql"]]
    assert len(locks) == 1
    assert Candidate.objects.count() == 3
