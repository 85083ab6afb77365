"""The go-live rehearsal: a migration folder as the old system exports it (fixtures/legacy_folder.py) runs end
to end through the migration command — organisations, accreditations with their history, jury members, every
certificate since 2016 — then the public page verifies the old numbers, and a second run changes nothing."""

from __future__ import annotations

import csv
import datetime as dt
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from viewflow.workflow.models import Process

from accreditation.models import (
    Accreditation,
    AccreditationStatus,
    AccreditationStatusChange,
    Organisation,
    Site,
    UserScope,
)
from accreditation.services import set_user_scope
from backoffice.core.accounts.roles import Role
from backoffice.core.audit.models import AuditEvent
from backoffice.core.legacy.models import LegacyBatch
from backoffice.imports import legacy, services
from backoffice.imports.models import ImportJob, ImportStatus
from casefiles.models import (
    Candidate,
    CaseFile,
    CaseFileState,
    Certificate,
    CertificateCounter,
    CertificateStatus,
    JurySession,
)
from casefiles.rules.dates import add_years
from casefiles.services import anonymise_candidates
from fixtures.legacy_folder import build_legacy_folder
from tests.backoffice.imports_helpers import candidate_row, csv_bytes
from tests.backoffice.test_imports__in_progress import positioning_row, results_csv
from tests.factories import UserFactory

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

    anonymised = anonymise_candidates(today=TODAY)  # the first night after go-live: the oldest holders
    assert anonymised.candidates

    again = _migrate(folder, supervisor)

    assert again.count("rien de nouveau : déjà repris") == 4
    assert Certificate.objects.count() == len(certificates)
    assert Organisation.objects.filter(legacy_batch=batch).count() == Organisation.objects.count()


def _through_the_pages(staff, path, contract: str) -> ImportJob:  # type: ignore[no-untyped-def]
    """What a supervisor does at /imports/: send the file, read the preview, confirm (the worker's steps run
    here, as the worker would run them)."""
    with path.open("rb") as handle:
        response = staff.post("/imports/deposer/", {"contract": contract, "file": handle})
    assert response.status_code == 302, response.content.decode()[:500]
    job = ImportJob.objects.latest("pk")
    services.check_import(job.pk)
    preview = staff.get(f"/imports/{job.pk}/").content.decode()
    assert "Vérifié : à confirmer" in preview
    staff.post(f"/imports/{job.pk}/confirmer/", {"skip_invalid": "0"})
    services.apply_import(job.pk)
    job.refresh_from_db()
    assert job.status == ImportStatus.APPLIED, job.outcome
    return job


def test_the_same_folder_sent_file_by_file_from_the_import_pages(
    folder, supervisor, officer, client_for, client
):
    staff = client_for(supervisor)
    _through_the_pages(staff, folder.path / "organisations.csv", "organisations")
    accreditations = _through_the_pages(staff, folder.path / "habilitations.csv", "habilitations")
    certificates = _through_the_pages(
        staff, folder.path / "certificats_historiques.csv", "certificats_historiques"
    )

    # each takeover file sent alone forms a batch of its own, listed with what it wrote
    assert accreditations.legacy_batch_id and certificates.legacy_batch_id != accreditations.legacy_batch_id
    listing = staff.get("/imports/reprise/").content.decode()
    assert f"{certificates.new_rows} certificats" in listing
    detail = staff.get(f"/imports/{certificates.pk}/").content.decode()
    assert f"lot de reprise n° {certificates.legacy_batch_id}" in detail
    number = Certificate.objects.filter(legacy_batch=certificates.legacy_batch_id).first().number
    assert number in client.get(f"/verifier/{number}/").content.decode()
    # the officer sees neither the takeover contracts nor the batches
    page = client_for(officer).get("/imports/").content.decode()
    assert "Certificats délivrés avant la mise en service" not in page and "/imports/reprise/" not in page


def test_files_in_progress_come_in_a_second_pass_once_the_evaluators_have_their_accounts(
    folder, supervisor, tmp_path
):
    _migrate(folder, supervisor)
    batch = LegacyBatch.objects.get()
    received_on = TODAY - dt.timedelta(days=400)
    accreditation = (
        Accreditation.objects.in_force(on=received_on).filter(legacy_batch=batch, role="evaluator").first()
    )
    site = accreditation.site
    assessor = UserFactory(
        username="evaluatrice.reprise", email="eval@reprise.example.org", role=Role.EVALUATOR_STAFF
    )
    set_user_scope(assessor, organisation=site.organisation, actor=None)
    second = tmp_path / "reprise-2"
    second.mkdir()
    rows = [
        candidate_row(
            site.siret, f"ANC-{n}", nom=name, prenom="Aïcha", date_accueil=f"{received_on:%d/%m/%Y}"
        )
        for n, name in enumerate(("Benali", "Nguyen"))
    ]
    (second / "candidats.csv").write_bytes(csv_bytes(rows, encoding="cp1252"))
    positioned_on = received_on + dt.timedelta(days=14)
    results = [positioning_row(site, f"ANC-{n}", assessor, on=positioned_on) for n in range(2)]
    (second / "evaluations_prealables.csv").write_bytes(results_csv(*results))

    out = StringIO()
    call_command(
        "migrate_history",
        str(second),
        "--utilisateur",
        supervisor.username,
        "--lot",
        str(batch.pk),
        stdout=out,
    )

    files = CaseFile.objects.filter(legacy_batch=batch).exclude(certificate__isnull=False)
    assert files.count() == 2, out.getvalue()
    for case_file in files:
        assert case_file.state == CaseFileState.TRAINING and case_file.opened_on == received_on
        assert case_file.positioned_on == positioned_on
        assert case_file.expires_on == add_years(positioned_on, 5)

    # Undoing the whole batch: refused while staff belong to a migrated organisation (they would lose it) …
    with pytest.raises(ValidationError, match="1 compte"):
        legacy.undo_batch(batch, actor=supervisor)
    UserScope.objects.filter(user=assessor).delete()
    processes = list(files.values_list("process_id", flat=True))
    series = set(CertificateCounter.objects.filter(last_number__gt=0).values_list("pk", flat=True))
    assert series  # the certificates in today's form moved their series' counters

    # … then everything it wrote goes, in one transaction, and the counters come back
    legacy.undo_batch(batch, actor=supervisor)

    for model in (Organisation, Site, Accreditation, Certificate, CaseFile, JurySession, Candidate):
        assert not model.objects.filter(legacy_batch=batch).exists(), model
    assert not AccreditationStatusChange.objects.exists()
    assert not Process.objects.filter(pk__in=processes).exists()
    assert not CertificateCounter.objects.filter(pk__in=series, last_number__gt=0).exists()
    assert Organisation.objects.count() == 0 and Certificate.objects.count() == 0
