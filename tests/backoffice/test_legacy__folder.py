"""The go-live rehearsal: a migration folder as the old system exports it (fixtures/legacy_folder.py) runs end
to end through the migration command — organisations, accreditations with their history, jury members, every
certificate since 2016 — then the public page verifies the old numbers, and a second run changes nothing."""

from __future__ import annotations

import csv
import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command

from accreditation.models import Accreditation, AccreditationStatus, Organisation, Site
from backoffice.core.audit.models import AuditEvent
from backoffice.core.legacy.models import LegacyBatch
from casefiles.models import Certificate, CertificateStatus
from fixtures.legacy_folder import build_legacy_folder

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 6)


@pytest.fixture
def folder(tmp_path):  # type: ignore[no-untyped-def]
    return build_legacy_folder(tmp_path / "reprise", scale="small", seed=7, today=TODAY)


def _rows(path) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    encoding = "utf-8-sig" if path.name.startswith("certificats") else "cp1252"
    with path.open(encoding=encoding, newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


def _migrate(folder, supervisor) -> str:  # type: ignore[no-untyped-def]
    out = StringIO()
    call_command("migrate_history", str(folder.path), "--utilisateur", supervisor.username, stdout=out)
    return out.getvalue()


def test_a_whole_folder_is_taken_over_and_verifies_and_a_second_run_changes_nothing(
    folder, supervisor, client
):
    certificates = _rows(folder.path / "certificats_historiques.csv")
    accreditation_rows = _rows(folder.path / "habilitations.csv")

    report = _migrate(folder, supervisor)

    batch = LegacyBatch.objects.get()
    assert "Reprise terminée" in report
    assert Site.objects.filter(legacy_batch=batch).count() == folder.counts["organisations"]
    assert Certificate.objects.filter(legacy_batch=batch).count() == len(certificates)
    grants = {(r["siret"], r["date_debut"]) for r in accreditation_rows}
    assert Accreditation.objects.filter(legacy_batch=batch).count() == len(grants)
    revoked = [r for r in certificates if r["retire"] == "oui"]
    assert Certificate.objects.filter(status=CertificateStatus.REVOKED).count() == len(revoked)
    withdrawn = {(r["siret"], r["date_debut"]) for r in accreditation_rows if r["statut"] == "retirée"}
    assert Accreditation.objects.filter(status=AccreditationStatus.WITHDRAWN).count() == len(withdrawn)
    assert AuditEvent.objects.filter(data__reprise=batch.pk).exists()

    old_format = next(r for r in certificates if "-" not in r["numero"])
    for row in (certificates[0], old_format):
        page = client.get(f"/verifier/{row['numero']}/").content.decode()
        assert row["numero"] in page and row["nom"].upper() in page.upper()

    again = _migrate(folder, supervisor)

    assert again.count("rien de nouveau : déjà repris") == 4
    assert Certificate.objects.count() == len(certificates)
    assert Organisation.objects.filter(legacy_batch=batch).count() == Organisation.objects.count()
