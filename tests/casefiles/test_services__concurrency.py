"""Two people completing the same step at once: one wins, the other is told (PostgreSQL row locks)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from accreditation.models import Department
from accreditation.services import set_user_scope
from backoffice.core.accounts.roles import Role
from casefiles.models import Assessment, CaseFileState
from casefiles.services import open_case_file, record_positioning
from fixtures.reference import load_reference_data
from tests.casefiles.conftest import results_for
from tests.factories import AccreditationFactory, SiteFactory, UserFactory


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are no-ops on SQLite")
def test_two_concurrent_positionings_record_one_and_tell_the_other(transactional_db):
    load_reference_data()  # committed rows: each thread has its own connection
    site = SiteFactory(department=Department.objects.get(code="75"))
    AccreditationFactory(site=site)
    staff = UserFactory(username="concurrent", role=Role.EVALUATOR_STAFF)
    set_user_scope(staff, organisation=site.organisation, actor=None)
    from accreditation.models import Certification

    clea = Certification.objects.get(code="CLEA")
    case_file = open_case_file(
        site=site,
        certification=clea,
        opened_on=dt.date.today(),
        actor=staff,
        candidate_data={
            "last_name": "Concurrent",
            "first_name": "A",
            "birth_date": dt.date(1990, 1, 1),
            "postcode": "75011",
            "status": "employee",
        },
    )
    results = results_for(case_file.framework_version)
    barrier, outcomes = threading.Barrier(2), []

    def submit() -> None:
        barrier.wait()
        try:
            record_positioning(
                case_file, assessed_on=dt.date.today(), assessor=staff, results=results, actor=staff
            )
            outcomes.append("recorded")
        except ValidationError as error:
            outcomes.append(error.messages[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes)[1] == "recorded" and outcomes.count("recorded") == 1, outcomes
    assert any("Cette étape n'est plus possible" in outcome for outcome in outcomes)
    assert Assessment.objects.filter(case_file=case_file).count() == 1
    case_file.refresh_from_db()
    assert case_file.state == CaseFileState.READY_FOR_JURY
