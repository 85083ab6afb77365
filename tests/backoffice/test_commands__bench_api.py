"""`manage.py bench_api` on a few rows: the API's two paths and the file import side by side, nothing left."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from accreditation.models import Organisation
from backoffice.api.models import ApiKey, BulkSubmission
from backoffice.benchmarks.imports_world import WORLD_NAME
from backoffice.core.accounts.models import User
from backoffice.imports.models import ImportJob
from casefiles.models import CaseFile

pytestmark = pytest.mark.django_db


def test_the_api_and_the_file_import_open_the_same_files_and_the_world_is_removed(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    users = User.objects.count()
    out = StringIO()

    call_command("bench_api", "--rows", "30", "--batch", "20", stdout=out)

    lines = out.getvalue().splitlines()
    rows = [line for line in lines if line.startswith("| API") or line.startswith("| Import")]
    assert len(rows) == 3
    assert all(row.split("|")[3].strip() == "30" for row in rows)  # every row opened a file, each time
    assert "Nettoyé" in lines[-1]
    assert not Organisation.objects.filter(legal_name=WORLD_NAME).exists()
    assert not (CaseFile.objects.exists() or ApiKey.objects.exists() or BulkSubmission.objects.exists())
    assert not ImportJob.objects.exists() and User.objects.count() == users
