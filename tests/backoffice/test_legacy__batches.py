"""Migration batches: the migration command runs a folder in order as one batch; what it writes carries the
batch; a batch is listed, counted, undone before go-live (all or nothing, refused when records made here
since depend on it) and declared live; only supervisors run the takeover."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from accreditation.models import Certification, Organisation, Site
from accreditation.services import set_user_scope
from backoffice.core.accounts.roles import Role
from backoffice.core.audit.models import AuditEvent
from backoffice.core.legacy.models import BatchStatus, LegacyBatch
from backoffice.imports import legacy, services
from backoffice.imports.models import Contract, ImportJob, ImportStatus
from casefiles.services import open_case_file
from tests.backoffice.imports_helpers import candidate_row, csv_bytes, upload
from tests.backoffice.test_imports__organisations import HEADER, OTHER_SIREN, site_row
from tests.factories import AccreditationFactory, UserFactory

pytestmark = pytest.mark.django_db


def _folder(tmp_path: Path, rows: list[dict[str, str]], *, name: str = "organisations.csv") -> Path:
    folder = tmp_path / "reprise"
    folder.mkdir(exist_ok=True)
    (folder / name).write_bytes(csv_bytes(rows, header=HEADER, encoding="cp1252"))
    return folder


def _run(folder: Path, supervisor, *options: str) -> str:  # type: ignore[no-untyped-def]
    from io import StringIO

    out = StringIO()
    call_command("migrate_history", str(folder), "--utilisateur", supervisor.username, *options, stdout=out)
    return out.getvalue()


ROWS = [site_row(index=1), site_row(index=2), site_row(OTHER_SIREN, index=1, raison_sociale="Atelier Émile")]


def test_the_command_takes_a_folder_over_as_one_batch_and_a_second_run_changes_nothing(tmp_path, supervisor):
    folder = _folder(tmp_path, ROWS)

    report = _run(folder, supervisor, "--libelle", "Reprise de décembre")

    batch = LegacyBatch.objects.get()
    assert batch.label == "Reprise de décembre" and batch.status == BatchStatus.OPEN
    assert Organisation.objects.filter(legacy_batch=batch).count() == 2
    assert Site.objects.filter(legacy_batch=batch).count() == 3
    assert "3 nouvelle(s)" in report and "2 organismes, 3 établissements" in report
    assert ImportJob.objects.get().legacy_batch == batch

    again = _run(folder, supervisor)

    assert "rien de nouveau : déjà repris" in again
    assert Organisation.objects.count() == 2 and Site.objects.count() == 3
    assert set(Site.objects.values_list("legacy_batch", flat=True)) == {batch.pk}


def test_a_trial_run_checks_and_applies_everything_then_keeps_nothing(tmp_path, supervisor, media_root):
    report = _run(_folder(tmp_path, ROWS), supervisor, "--essai")

    assert "3 nouvelle(s)" in report and "rien n'a été conservé" in report
    assert not Organisation.objects.exists() and not LegacyBatch.objects.exists()
    assert not ImportJob.objects.exists()
    assert not any(path.is_file() for path in (media_root / "imports").rglob("*"))


def test_a_file_with_errors_stops_the_run_unless_invalid_rows_are_set_aside(tmp_path, supervisor):
    rows = [*ROWS, site_row(index=3, code_postal="75011")]  # 75011 is not in the 93
    folder = _folder(tmp_path, rows)

    with pytest.raises(CommandError, match=r"1 ligne\(s\) en erreur .* --lot \d+"):
        _run(folder, supervisor)
    assert not Organisation.objects.exists()

    report = _run(folder, supervisor, "--ecarter-invalides")
    assert "n'est pas dans le département 93" in report
    assert Site.objects.count() == 3


def test_the_folder_is_checked_before_anything_runs(tmp_path, supervisor, officer):
    folder = _folder(tmp_path, ROWS)
    (folder / "divers.csv").write_text("x")
    with pytest.raises(CommandError, match=r"Fichiers inattendus .* divers\.csv"):
        _run(folder, supervisor)
    (folder / "divers.csv").unlink()
    with pytest.raises(CommandError, match="superviseur"):
        _run(folder, officer)
    assert not LegacyBatch.objects.exists()


def test_undoing_a_batch_deletes_what_it_wrote_and_nothing_else(tmp_path, supervisor, idf_site):
    _run(_folder(tmp_path, ROWS), supervisor)
    batch = LegacyBatch.objects.get()

    counts = legacy.undo_batch(batch, actor=supervisor)

    assert {c.label: c.count for c in counts}["établissements"] == 3
    assert list(Site.objects.all()) == [idf_site]  # made here: kept
    batch.refresh_from_db()
    assert batch.status == BatchStatus.UNDONE and batch.closed_at is not None
    undone = AuditEvent.objects.get(verb="legacy.batch_undone")
    assert "2 organismes, 3 établissements supprimé(s)" in undone.summary
    with pytest.raises(ValidationError, match="ne peut plus être annulé"):
        legacy.undo_batch(batch, actor=supervisor)


def test_a_batch_that_records_made_here_depend_on_is_not_undone(tmp_path, supervisor):
    _run(_folder(tmp_path, ROWS), supervisor)
    batch = LegacyBatch.objects.get()
    migrated = Site.objects.filter(legacy_batch=batch).first()
    AccreditationFactory(site=migrated, valid_from=dt.date(2026, 1, 5))  # granted here, after the takeover
    evaluator = UserFactory(username="evaluatrice.reprise", role=Role.EVALUATOR_STAFF)
    set_user_scope(evaluator, organisation=migrated.organisation, actor=None)
    open_case_file(
        site=migrated,
        certification=Certification.objects.get(code="CLEA"),
        opened_on=dt.date(2026, 11, 2),
        candidate_data={
            "last_name": "Nguyễn",
            "first_name": "Thị",
            "birth_date": dt.date(1990, 5, 1),
            "postcode": "93200",
            "status": "jobseeker",
        },
        actor=evaluator,
    )

    with pytest.raises(ValidationError, match=r"ne peut pas être annulé .* Rien n'a été supprimé"):
        legacy.undo_batch(batch, actor=supervisor)

    assert Site.objects.filter(legacy_batch=batch).count() == 3
    batch.refresh_from_db()
    assert batch.status == BatchStatus.OPEN


def test_a_live_batch_is_history_and_takes_no_more_files(tmp_path, supervisor):
    _run(_folder(tmp_path, ROWS), supervisor)
    batch = legacy.declare_live(LegacyBatch.objects.get(), actor=supervisor)

    assert batch.status == BatchStatus.LIVE
    with pytest.raises(ValidationError, match="ne peut plus être annulé"):
        legacy.undo_batch(batch, actor=supervisor)
    with pytest.raises(CommandError, match="n'est plus ouvert"):
        _run(_folder(tmp_path, ROWS), supervisor, "--lot", str(batch.pk))


def test_only_supervisors_take_the_history_over(officer, supervisor):
    assert Contract.ACCREDITATIONS not in services.contracts_for(officer)
    assert Contract.HISTORICAL_CERTIFICATES in services.contracts_for(supervisor)
    content = csv_bytes(ROWS, header=HEADER)
    with pytest.raises(PermissionDenied):
        services.create_import(contract=Contract.ACCREDITATIONS, upload=upload(content), actor=officer)
    batch = legacy.open_batch(label="Reprise", actor=supervisor)
    with pytest.raises(PermissionDenied, match="superviseur"):
        services.create_import(
            contract="organisations", upload=upload(content), actor=officer, legacy_batch=batch
        )
    with pytest.raises(PermissionDenied):
        legacy.undo_batch(batch, actor=officer)


def test_a_takeover_file_sent_alone_gets_a_batch_of_its_own(supervisor):
    content = ";".join(("siret", "certification")).encode()  # the header is checked first: refused or not,
    with pytest.raises(ValidationError):  # nothing is stored for a wrong header
        services.create_import(contract=Contract.ACCREDITATIONS, upload=upload(content), actor=supervisor)
    assert not LegacyBatch.objects.exists()


def test_the_batch_pages_show_counts_and_files_and_undo_through_the_service(
    tmp_path, supervisor, officer, client_for
):
    _run(_folder(tmp_path, ROWS), supervisor)
    batch = LegacyBatch.objects.get()
    staff = client_for(supervisor)

    listing = staff.get("/imports/reprise/").content.decode()
    assert "Reprise" in listing and "2 organismes · 3 établissements" in listing
    page = staff.get(f"/imports/reprise/{batch.pk}/").content.decode()
    assert "organisations.csv" in page and "Annuler le lot" in page and "None" not in page
    assert client_for(officer).get(f"/imports/reprise/{batch.pk}/").status_code == 404
    assert client_for(officer).get("/imports/reprise/").status_code == 403

    refused = staff.post(f"/imports/reprise/{batch.pk}/annuler/", follow=True)  # the box not ticked
    assert "Cochez la case de confirmation" in refused.content.decode()
    assert Site.objects.filter(legacy_batch=batch).count() == 3

    response = staff.post(f"/imports/reprise/{batch.pk}/annuler/", {"confirm": "1"})

    assert response.status_code == 302
    assert not Site.objects.filter(legacy_batch=batch).exists()
    assert "Annuler le lot" not in staff.get(f"/imports/reprise/{batch.pk}/").content.decode()
    assert ImportJob.objects.get().status == ImportStatus.APPLIED  # the trail of the import stays


def test_an_import_confirmed_before_its_batch_was_undone_writes_nothing(tmp_path, supervisor):
    batch = legacy.open_batch(label="Reprise", actor=supervisor)
    content = csv_bytes(ROWS, header=HEADER)
    job = services.create_import(
        contract="organisations", upload=upload(content), actor=supervisor, legacy_batch=batch
    )
    services.check_import(job.pk)
    services.confirm_import(job, skip_invalid=False, actor=supervisor)
    legacy.undo_batch(batch, actor=supervisor)  # while the import waited for the worker

    services.apply_import(job.pk)

    job.refresh_from_db()
    assert job.status == ImportStatus.NOT_APPLIED and "est « annulé »" in job.outcome
    assert not Organisation.objects.exists()


def test_a_regional_supervisor_does_not_take_the_history_over(idf, client_for):
    regional = UserFactory(username="superviseur.idf", role=Role.SUPERVISOR)
    set_user_scope(regional, regions=[idf], actor=None)

    assert Contract.HISTORICAL_CERTIFICATES not in services.contracts_for(regional)
    with pytest.raises(PermissionDenied, match="périmètre national"):
        legacy.open_batch(label="Reprise", actor=regional)
    assert client_for(regional).get("/imports/reprise/").status_code == 403


def test_a_supervisor_sends_files_in_progress_into_a_batch_from_the_upload_form(
    supervisor, client_for, idf_site
):
    batch = legacy.open_batch(label="Dossiers en cours", actor=supervisor)
    staff = client_for(supervisor)
    assert f"Oui, dans le lot n° {batch.pk}" in staff.get("/imports/").content.decode()
    row = candidate_row(idf_site.siret, "ANC-1", date_accueil="02/03/2025")

    staff.post(
        "/imports/deposer/",
        {"contract": "candidates", "file": upload(csv_bytes([row])), "legacy_batch": batch.pk},
    )
    staff.post(
        "/imports/deposer/", {"contract": "candidates", "file": upload(csv_bytes([row])), "legacy_batch": ""}
    )
    staff.post(
        "/imports/deposer/",
        {"contract": "candidates", "file": upload(csv_bytes([row])), "legacy_batch": "nouveau"},
    )

    first, ordinary, new = ImportJob.objects.order_by("pk")
    assert first.legacy_batch == batch and ordinary.legacy_batch is None
    assert new.legacy_batch is not None and new.legacy_batch != batch
