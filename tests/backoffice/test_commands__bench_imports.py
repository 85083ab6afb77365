"""`manage.py bench_imports` on a small file: every measure printed side by side, nothing left behind."""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections

from accreditation.models import Organisation
from backoffice.benchmarks.imports_world import WORLD_NAME
from backoffice.imports.models import ImportJob
from casefiles.models import Candidate, CaseFile
from fixtures.reference import load_reference_data

MEASURES = [
    "COPY dans une table de transit",
    "stock : import_data(dry_run=True)",
    "stock : import_data + 1 StartHandle par ligne",
    "nous : vérification (dry run)",
    "nous : import (dossiers + parcours)",
    "nous : de bout en bout",
    "nous : ré-import, vérification",
    "nous : résultats (évaluations préalables + tâches)",
]


@pytest.fixture
def committed_reference(transactional_db):  # type: ignore[no-untyped-def]
    load_reference_data()  # the measured steps run in a child process: they read committed rows


def bench(*options: str) -> list[str]:
    out = StringIO()
    call_command("bench_imports", "--rows", "300", "--baseline-rows", "20", *options, stdout=out)
    return out.getvalue().splitlines()


def written_file(lines: list[str]) -> Path:
    found = re.match(r"Fichier : (\S+) ", lines[0])
    assert found, lines[0]
    return Path(found.group(1))


def stored_files(media_root: Path) -> list[Path]:
    return [path for path in media_root.rglob("*") if path.is_file()] if media_root.exists() else []


def test_it_prints_each_measure_with_its_ratios_and_removes_what_it_created(committed_reference, media_root):
    lines = bench()

    rows = [line for line in lines if line.startswith("| ") and not line.startswith("| mesure")]
    labels = [row.split(" | ")[0].removeprefix("| ") for row in rows]
    assert len(labels) == len(MEASURES)
    assert all(label.startswith(measure) for label, measure in zip(labels, MEASURES, strict=True))
    for row in rows:
        cells = row.strip("| ").split(" | ")
        assert len(cells) == 7 and cells[1] in ("300", "20")
        versus_stock_measured = not cells[0].startswith("nous : résultats")  # no stock results import
        assert cells[5].startswith("×" if versus_stock_measured else "—") and cells[6].startswith("×")
    assert sum(line.startswith("Objectif ") for line in lines) == 4
    assert not written_file(lines).exists()
    assert not Organisation.objects.filter(legal_name=WORLD_NAME).exists()
    assert not (CaseFile.objects.exists() or Candidate.objects.exists() or ImportJob.objects.exists())
    assert stored_files(media_root) == []


def test_with_keep_the_file_the_opened_files_and_the_uploads_stay(committed_reference, media_root):
    lines = bench("--keep")

    path = written_file(lines)
    assert path.exists() and len(path.read_text(encoding="utf-8").splitlines()) == 301
    started = CaseFile.objects.filter(
        evaluation_site__organisation__legal_name=WORLD_NAME, process__isnull=False
    )
    assert started.count() == 300
    assert ImportJob.objects.count() == 3  # the import, the re-import's check, the results
    assert len(stored_files(media_root)) == 3  # the same upload stored twice, and the results file
    path.unlink()
    path.parent.rmdir()


def test_it_refuses_a_database_other_than_postgresql_and_does_nothing(db):
    with (
        mock.patch.object(connections["default"], "vendor", "sqlite"),
        pytest.raises(CommandError) as refused,
    ):
        bench()

    assert "PostgreSQL" in str(refused.value)
    assert not Organisation.objects.exists()
