"""Migration 0022: the files opened before the status at opening was kept take their person's status as it
is when the migration runs (the best known)."""

from __future__ import annotations

import pytest

from casefiles.models import CaseFile
from tests.migrating import migrated_back

pytestmark = pytest.mark.django_db


def test_the_files_opened_before_take_their_persons_status(case_file):
    with migrated_back([("casefiles", "0021_credentials")]) as old:
        old.get_model("casefiles", "Candidate").objects.update(status="employee")

    assert CaseFile.objects.get(pk=case_file.pk).status_at_opening == "employee"
