"""The candidates file: each valid row opens a file and starts its pathway; re-importing changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError
from django.utils import timezone
from viewflow.workflow.status import STATUS

from backoffice.core.audit.models import AuditEvent
from backoffice.imports import services
from backoffice.imports.models import ImportJob, ImportStatus
from casefiles.models import Candidate, CaseFile, CaseFileState
from tests.backoffice.imports_helpers import (
    CANDIDATE_HEADER,
    candidate_row,
    checked,
    csv_bytes,
    imported,
    upload,
    xlsx_bytes,
)
from workflows.models import CandidatePathwayTask

pytestmark = pytest.mark.django_db


def _day(days_ago: int = 0) -> str:
    return f"{timezone.localdate() - dt.timedelta(days=days_ago):%d/%m/%Y}"


@pytest.fixture
def rows(idf_site):
    return [
        candidate_row(idf_site.siret, "DOS-1", date_accueil=_day(3)),
        candidate_row(
            idf_site.siret,
            "DOS-2",
            nom="Hélène",
            prenom="Zoé",
            date_naissance="1985-07-14",
            date_accueil=_day(2),
        ),
    ]


def test_a_valid_file_opens_each_file_and_starts_its_pathway(evaluator, rows):
    job = imported(csv_bytes(rows), actor=evaluator)

    assert job.status == ImportStatus.APPLIED
    assert (job.rows, job.new_rows, job.invalid_rows) == (2, 2, 0)
    files = CaseFile.objects.order_by("reference")
    assert [f.reference for f in files] == ["DOS-1", "DOS-2"]
    assert all(f.state == CaseFileState.POSITIONING and f.process_id for f in files)
    waiting = CandidatePathwayTask.objects.filter(status=STATUS.NEW).values_list("flow_task", flat=True)
    assert [task.name for task in waiting] == ["positioning", "positioning"]
    zoe = Candidate.objects.get(first_name="Zoé")
    assert (zoe.last_name, zoe.birth_date, zoe.phone) == ("Hélène", dt.date(1985, 7, 14), "0612345678")
    opened = AuditEvent.objects.filter(verb="casefile.opened")
    assert opened.count() == 2 and all(e.data == {"import": job.pk} for e in opened)
    assert AuditEvent.objects.filter(verb="import.applied", subject_id=str(job.pk)).exists()


def test_the_dry_run_writes_nothing(evaluator, rows):
    job = checked(csv_bytes(rows), actor=evaluator)

    assert job.status == ImportStatus.VALIDATED and job.new_rows == 2
    assert not CaseFile.objects.exists() and not Candidate.objects.exists()


@pytest.mark.parametrize(
    ("separator", "encoding", "bom"),
    [(";", "utf-8", False), (",", "utf-8", True), (";", "cp1252", False), ("\t", "utf-8", False)],
)
def test_french_spreadsheet_csv_variants_are_read_alike(evaluator, rows, separator, encoding, bom):
    job = checked(csv_bytes(rows, separator=separator, encoding=encoding, bom=bom), actor=evaluator)

    assert job.status == ImportStatus.VALIDATED, job.file_error
    assert (job.new_rows, job.invalid_rows) == (2, 0)
    assert ("Windows-1252" in job.description) == (encoding == "cp1252")


def test_an_xlsx_workbook_with_real_date_cells_is_read(evaluator, idf_site):
    today = timezone.localdate()
    row = candidate_row(idf_site.siret)
    values = [row[name] for name in CANDIDATE_HEADER]
    values[CANDIDATE_HEADER.index("date_naissance")] = dt.datetime(1999, 4, 2)
    values[CANDIDATE_HEADER.index("date_accueil")] = dt.datetime(today.year, today.month, today.day)
    values[CANDIDATE_HEADER.index("code_postal")] = 1000  # Excel dropped the leading zero
    job = imported(xlsx_bytes([CANDIDATE_HEADER, values, [None] * 3]), actor=evaluator, name="c.xlsx")

    assert job.status == ImportStatus.APPLIED and job.new_rows == 1
    assert Candidate.objects.get().postcode == "01000"


def test_stray_spaces_and_empty_trailing_rows_are_ignored(evaluator, idf_site):
    row = {k: f"  {v} " for k, v in candidate_row(idf_site.siret, date_accueil=_day()).items()}
    content = csv_bytes([row]) + b";;;;\r\n\r\n;;\r\n"

    job = checked(content, actor=evaluator)

    assert (job.rows, job.new_rows, job.invalid_rows) == (1, 1, 0)


def test_reimporting_the_same_file_changes_nothing_and_says_so(evaluator, rows):
    content = csv_bytes(rows)
    imported(content, actor=evaluator)
    events = AuditEvent.objects.count()

    again = checked(content, actor=evaluator)

    assert (again.unchanged_rows, again.new_rows, again.updated_rows) == (2, 0, 0)
    with pytest.raises(ValidationError, match="Rien à importer"):
        services.confirm_import(again, skip_invalid=False, actor=evaluator)
    assert CaseFile.objects.count() == 2
    assert AuditEvent.objects.count() == events + 1  # the upload only


def test_a_changed_row_updates_the_file_and_the_trail_says_what_changed(evaluator, rows):
    imported(csv_bytes(rows), actor=evaluator)
    rows[0]["email"] = "lea.nouvelle@example.org"
    rows[0]["prescripteur"] = "opco"

    job = imported(csv_bytes(rows), actor=evaluator)

    assert (job.updated_rows, job.unchanged_rows, job.new_rows) == (1, 1, 0)
    case_file = CaseFile.objects.get(reference="DOS-1")
    assert case_file.referrer == "opco" and case_file.candidate.email == "lea.nouvelle@example.org"
    update = AuditEvent.objects.get(verb="casefile.updated")
    assert update.subject_id == str(case_file.pk)
    assert update.data["changes"]["email"] == ["lea.martin@example.org", "lea.nouvelle@example.org"]
    assert CaseFile.objects.count() == 2


def test_bad_rows_are_listed_with_line_column_and_french_message(
    evaluator, idf_site, evaluator_of_other_organisation
):
    from accreditation.models import Site
    from accreditation.scoping import scope_of

    other_siret = Site.objects.get(
        organisation_id=scope_of(evaluator_of_other_organisation).organisation_id
    ).siret
    rows = [
        candidate_row(idf_site.siret, "OK-1", date_accueil=_day()),
        candidate_row(idf_site.siret, "BAD-DATE", date_naissance="31/02/1990", date_accueil=_day()),
        candidate_row("12345678901234", "BAD-SIRET", date_accueil=_day()),
        candidate_row(other_siret, "OTHER-ORG", date_accueil=_day()),
        candidate_row(idf_site.siret, "OK-1", prenom="Paul", date_accueil=_day()),
        candidate_row(idf_site.siret, "FORMULA", nom='=HYPERLINK("http://x")', date_accueil=_day()),
        candidate_row(idf_site.siret, "STATUS", statut="chomeur", date_accueil=_day()),
        candidate_row(idf_site.siret, "FUTURE", date_accueil=_day(-3)),
    ]
    job = checked(csv_bytes(rows), actor=evaluator)

    errors = {(e.line, e.column): e.message for e in job.row_errors.all()}
    assert (job.new_rows, job.invalid_rows) == (1, 7)
    assert "n'est pas une date qui existe" in errors[(3, "date_naissance")]
    assert "inconnu" in errors[(4, "siret_evaluateur")]
    assert "périmètre" in errors[(5, "siret_evaluateur")]
    assert "déjà présente ligne 2" in errors[(6, "reference")]
    assert "formule refusée" in errors[(7, "nom")]
    assert "demandeur_emploi" in errors[(8, "statut")]
    assert "futur" in errors[(9, "date_accueil")]


def test_a_file_with_errors_is_applied_only_with_the_users_explicit_choice(evaluator, idf_site):
    rows = [
        candidate_row(idf_site.siret, "OK-1", date_accueil=_day()),
        candidate_row(idf_site.siret, "BAD", date_naissance="hier", date_accueil=_day()),
    ]
    job = checked(csv_bytes(rows), actor=evaluator)

    with pytest.raises(ValidationError, match="1 ligne"):
        services.confirm_import(job, skip_invalid=False, actor=evaluator)
    assert not CaseFile.objects.exists()

    services.confirm_import(job, skip_invalid=True, actor=evaluator)
    services.apply_import(job.pk)
    job.refresh_from_db()
    assert job.status == ImportStatus.APPLIED and job.skip_invalid
    assert list(CaseFile.objects.values_list("reference", flat=True)) == ["OK-1"]


def test_the_error_report_holds_the_rejected_rows_ready_to_fix_and_upload_again(evaluator, idf_site):
    rows = [
        candidate_row(idf_site.siret, "OK-1", date_accueil=_day()),
        candidate_row(idf_site.siret, "BAD", code_postal="750", date_accueil=_day()),
    ]
    job = checked(csv_bytes(rows), actor=evaluator)
    report = job.error_report.read().decode("utf-8-sig").splitlines()

    assert report[0].split(";") == [*CANDIDATE_HEADER, "motif_rejet"]
    assert len(report) == 2 and report[1].startswith("BAD;") and "code postal" in report[1]
    fixed = report[1].replace(";750;", ";75011;").encode()
    again = checked(report[0].encode() + b"\r\n" + fixed, actor=evaluator)
    assert (again.new_rows, again.invalid_rows) == (1, 0)


def test_apply_is_all_or_nothing(evaluator, idf_site, monkeypatch):
    rows = [
        candidate_row(idf_site.siret, f"DOS-{n}", nom=f"Nom{'a' * n}", date_accueil=_day())
        for n in range(1, 4)
    ]
    job = checked(csv_bytes(rows), actor=evaluator)
    services.confirm_import(job, skip_invalid=False, actor=evaluator)
    monkeypatch.setattr(services, "BATCH_ROWS", 1)
    from workflows.pathway import bulk

    calls = []
    real = bulk.start_pathways

    def failing_on_the_third(files):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 3:
            raise DatabaseError("disque plein")
        return real(files)

    monkeypatch.setattr("backoffice.imports.contracts.candidates.start_pathways", failing_on_the_third)
    services.apply_import(job.pk)

    job.refresh_from_db()
    assert job.status == ImportStatus.NOT_APPLIED and "rien n'a été importé" in job.outcome
    assert not CaseFile.objects.exists() and not Candidate.objects.exists()


def test_a_second_delivery_of_the_apply_writes_nothing_more(evaluator, rows):
    job = imported(csv_bytes(rows), actor=evaluator)

    services.apply_import(job.pk)
    services.check_import(job.pk)

    assert CaseFile.objects.count() == 2
    job.refresh_from_db()
    assert job.status == ImportStatus.APPLIED


def test_a_known_person_never_gets_two_open_files_for_one_certification(evaluator, idf_site):
    imported(csv_bytes([candidate_row(idf_site.siret, "DOS-1", date_accueil=_day())]), actor=evaluator)

    job = checked(csv_bytes([candidate_row(idf_site.siret, "DOS-9", date_accueil=_day())]), actor=evaluator)

    assert job.invalid_rows == 1
    assert "MARTIN Léa a déjà un dossier Certification CléA en cours" in job.row_errors.get().message


def test_header_problems_refuse_the_file_before_any_row_naming_the_columns(evaluator, idf_site):
    header = [name for name in CANDIDATE_HEADER if name not in ("nom", "date_accueil")] + ["couleur"]
    content = csv_bytes([candidate_row(idf_site.siret)], header=header)

    with pytest.raises(ValidationError) as refused:
        services.create_import(contract="candidates", upload=upload(content), actor=evaluator)

    message = " ".join(refused.value.messages)
    assert "obligatoires absentes : nom, date_accueil" in message and "inconnues : couleur" in message
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "vide"),
        ("reference;nom\r\n".encode("utf-16"), "UTF-16"),
        (b"\x81\x8d\x8f\x90\x9d;x\r\n", "Encodage non reconnu"),
        (b"PK\x03\x04 not really a workbook", "illisible"),
    ],
)
def test_unreadable_files_are_refused_with_a_french_message(evaluator, content, expected):
    with pytest.raises(ValidationError, match=expected):
        services.create_import(contract="candidates", upload=upload(content), actor=evaluator)
    assert not ImportJob.objects.exists()


def test_an_oversized_file_is_refused_before_it_is_read(evaluator, settings, rows):
    settings.IMPORT_MAX_BYTES = 100

    with pytest.raises(ValidationError, match="la limite est de 100"):
        services.create_import(contract="candidates", upload=upload(csv_bytes(rows)), actor=evaluator)


def test_a_zip_bomb_workbook_is_refused(evaluator):
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (50 * 1024 * 1024))

    with pytest.raises(ValidationError, match="archive piégée"):
        services.create_import(
            contract="candidates", upload=upload(out.getvalue(), "bombe.xlsx"), actor=evaluator
        )


def test_formulas_in_workbook_cells_are_row_errors(evaluator, idf_site):
    row = candidate_row(idf_site.siret, date_accueil=_day())
    values = [row[name] for name in CANDIDATE_HEADER]
    values[CANDIDATE_HEADER.index("nom")] = '=CONCATENATE("Ma","rtin")'

    job = checked(xlsx_bytes([CANDIDATE_HEADER, values]), actor=evaluator, name="c.xlsx")

    assert job.invalid_rows == 1 and "formule refusée" in job.row_errors.get(column="nom").message


def test_an_officer_imports_for_a_site_of_their_region_only(officer, idf_site, ara_site):
    rows = [
        candidate_row(idf_site.siret, "IDF", date_accueil=_day()),
        candidate_row(ara_site.siret, "ARA", date_accueil=_day()),
    ]

    job = imported(csv_bytes(rows), actor=officer, skip_invalid=True)

    assert list(CaseFile.objects.values_list("reference", flat=True)) == ["IDF"]
    assert "périmètre" in job.row_errors.get().message
