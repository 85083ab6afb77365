"""Reading an imported file and its dry run, against any bytes, separator, encoding, header and cell."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile

import pytest
from django.utils import timezone
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from accreditation.models import Accreditation, Organisation, Site
from backoffice.core.audit.models import AuditEvent
from backoffice.imports.models import ImportStatus
from backoffice.imports.reading import ImportFileError, Table, open_table
from casefiles.models import Candidate, CaseFile, DomainAcquisition
from fixtures.demo import make_siret
from tests.backoffice.imports_helpers import CANDIDATE_HEADER, candidate_row, checked, xlsx_bytes
from workflows.models import CandidatePathwayProcess

SIREN = "732829320"
THREE_DAYS_AGO = f"{timezone.localdate() - dt.timedelta(days=3):%d/%m/%Y}"
ORGANISATION_HEADER = [
    "siren",
    "raison_sociale",
    "nda",
    "siret",
    "nom_etablissement",
    "adresse",
    "code_postal",
    "commune",
    "departement",
]
DOMAIN_TABLES = (
    Candidate,
    CaseFile,
    DomainAcquisition,
    CandidatePathwayProcess,
    Organisation,
    Site,
    Accreditation,
)
FRENCH = ("Le ", "La ", "Ce ", "Encodage", "En-tête")
# Cells as spreadsheets hold them: no NUL byte (a binary file, refused as such), anything else.
CELL = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=12)
CP1252_CELL = st.text(st.characters(codec="cp1252", exclude_characters="\x00"), max_size=12)
COLUMN = st.text("abcdefghijklmnopqrstuvwxyz0123456789_", min_size=1, max_size=10)


def read(content: bytes) -> tuple[Table, list[tuple[int, list[str]]]]:
    table = open_table(io.BytesIO(content), size=len(content))
    return table, list(table.rows)


def csv_file(rows: list[list[str]], *, separator: str, encoding: str) -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=separator, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode(encoding)


def expected_rows(rows: list[list[str]], width: int) -> list[tuple[int, list[str]]]:
    stripped = [(line, [cell.strip() for cell in row][:width]) for line, row in enumerate(rows, start=2)]
    return [(line, cells) for line, cells in stripped if any(cells)]


def sheet_replaced(content: bytes, sheet: bytes) -> bytes:
    """The workbook with its first sheet's XML replaced (a damaged or hand-edited file)."""
    source, out = zipfile.ZipFile(io.BytesIO(content)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for member in source.infolist():
            name = member.filename
            archive.writestr(name, sheet if name == "xl/worksheets/sheet1.xml" else source.read(name))
    return out.getvalue()


GOOD_WORKBOOK = xlsx_bytes([["nom", "date"], ["Martin", dt.date(2026, 11, 2)], ["Zoé", 12.0]])
GOOD_SHEET = zipfile.ZipFile(io.BytesIO(GOOD_WORKBOOK)).read("xl/worksheets/sheet1.xml")


# Reading any file


def assert_rows_or_french_refusal(content: bytes) -> None:
    try:
        table, rows = read(content)
    except ImportFileError as error:
        assert error.message.startswith(FRENCH), error.message
        return
    assert all(isinstance(column, str) for column in table.columns)
    assert table.description.startswith(("CSV UTF-8", "CSV Windows-1252", "XLSX"))
    for line, cells in rows:
        assert line >= 2 and all(isinstance(cell, str) for cell in cells) and any(cells)
    assert 0.0 <= table.progress() <= 1.0


@given(st.binary(max_size=400) | st.builds(lambda b: b"PK\x03\x04" + b, st.binary(max_size=200)))
@example(b"a;b\r\n" + b"x" * 140_000 + b";y\r\n")  # a cell past the csv field limit: crashed the dry run
@example(b'a;b\r\n"' + b"x" * 140_000)  # a quote never closed swallows the rest of the file
@example(b"x" * 140_000 + b";b\r\n")  # the same in the header: crashed the upload (500)
@example(b"\xef\xbb\xbf\r\n")
@example(b"\xff\xfea\x00")
@example(b"a;b\r\n\x81\x8d\x8f\x90\x9d\r\n")  # undefined in cp1252 and invalid UTF-8
def test_any_bytes_read_as_rows_or_a_french_refusal(content):
    assert_rows_or_french_refusal(content)


@given(st.binary(max_size=300), st.integers(0, len(GOOD_SHEET)))
@example(b"", len(GOOD_SHEET) // 2)  # a truncated sheet: its XML is parsed only as rows are read
@example(b"", len(GOOD_SHEET) - 40)
@example(GOOD_SHEET.replace(b'r="A2"', b'r="ZZZZZZZ2"'), 0)  # a cell address past column ZZZ
def test_a_workbook_with_a_damaged_sheet_reads_as_rows_or_a_french_refusal(garbage, cut):
    sheet = garbage if garbage.startswith(b"<") else GOOD_SHEET[:cut] + garbage
    assert_rows_or_french_refusal(sheet_replaced(GOOD_WORKBOOK, sheet))


# Round trips


@given(
    st.lists(COLUMN, min_size=2, max_size=5, unique=True),
    st.sampled_from([";", ",", "\t"]),
    st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]),
    st.data(),
)
def test_a_csv_written_by_a_spreadsheet_reads_back_cell_for_cell(header, separator, encoding, data):
    cell = CP1252_CELL if encoding == "cp1252" else CELL
    width = len(header)
    rows = data.draw(st.lists(st.lists(cell, min_size=width, max_size=width), max_size=6), label="rows")
    content = csv_file([header, *rows], separator=separator, encoding=encoding)
    if encoding == "cp1252":  # bytes that also decode as UTF-8 are read as UTF-8: the ambiguity is real
        try:
            content.decode("utf-8")
            assume(content.isascii())
        except UnicodeDecodeError:
            pass

    table, read_rows = read(content)

    assert table.columns == header
    assert read_rows == expected_rows(rows, width)
    assert ("tabulation" if separator == "\t" else f"« {separator} »") in table.description


XLSX_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), max_size=12).filter(
    lambda value: not value.startswith("=")  # a formula: written and read back as such, not as text
)
XLSX_VALUE = XLSX_TEXT | st.integers(-(10**9), 10**9) | st.dates(dt.date(1900, 3, 1), dt.date(2100, 1, 1))


@given(st.lists(COLUMN, min_size=1, max_size=4, unique=True), st.data())
@settings(max_examples=25)
def test_an_xlsx_written_by_a_spreadsheet_reads_back_cell_for_cell(header, data):
    width = len(header)
    rows = data.draw(st.lists(st.lists(XLSX_VALUE, min_size=width, max_size=width), max_size=4), label="rows")

    table, read_rows = read(xlsx_bytes([header, *rows]))

    as_text = [[v.isoformat() if isinstance(v, dt.date) else str(v) for v in row] for row in rows]
    assert table.columns == header
    assert [(line, cells[:width]) for line, cells in read_rows] == expected_rows(as_text, width)


# The dry run, through the services


def count_domain_rows() -> dict[str, int]:
    counts = {model.__name__: model.objects.count() for model in DOMAIN_TABLES}
    counts["audit"] = AuditEvent.objects.exclude(verb__startswith="import.").count()
    return counts


def assert_dry_run_writes_nothing(content: bytes, *, actor, contract: str, rows: int):
    before = count_domain_rows()

    job = checked(content, actor=actor, contract=contract, name="fichier.csv")

    assert count_domain_rows() == before
    assert job.status == ImportStatus.VALIDATED, job.file_error
    assert job.rows == rows == job.new_rows + job.updated_rows + job.unchanged_rows + job.invalid_rows
    errors = list(job.row_errors.all())
    assert len({e.line for e in errors}) == job.invalid_rows  # every refused line says why
    assert all(2 <= e.line <= rows + 1 and e.message.strip() for e in errors)
    return job


def rows_with(fuzz: dict[str, str], valid: dict[str, str], header: list[str]) -> list[str]:
    return [fuzz.get(name, valid[name]) for name in header]


CANDIDATE_FUZZ = st.dictionaries(
    st.sampled_from(CANDIDATE_HEADER), CELL | st.sampled_from(["=1+1", "1998-03-14", "31/02/1999", "9320"])
)


@pytest.mark.django_db
@given(st.lists(CANDIDATE_FUZZ, min_size=1, max_size=4))
@example([{}, {}])
@settings(max_examples=20)
def test_the_candidates_dry_run_on_any_cells_writes_nothing(evaluator, idf_site, framework, fuzzed):
    valid = [  # four different people: one person twice in a file is refused
        candidate_row(idf_site.siret, f"DOS-{n}", prenom=first_name, date_accueil=THREE_DAYS_AGO)
        for n, first_name in zip(range(len(fuzzed)), ("Léa", "Zoé", "Inès", "Manon"), strict=False)
    ]
    rows = [rows_with(fuzz, row, CANDIDATE_HEADER) for fuzz, row in zip(fuzzed, valid, strict=True)]
    content = csv_file([CANDIDATE_HEADER, *rows], separator=";", encoding="utf-8")
    assume(all(any(cell.strip() for cell in row) for row in rows))

    job = assert_dry_run_writes_nothing(content, actor=evaluator, contract="candidates", rows=len(rows))
    if not any(fuzzed):  # the rows as the template shows them: each would open a file
        assert job.new_rows == len(rows)


ORGANISATION_FUZZ = st.dictionaries(
    st.sampled_from(ORGANISATION_HEADER),
    CELL | st.sampled_from(["2A", "2B", "971", "20100", "97100", "1000", "732 829 320", "١٢٣٤٥"]),
)


def organisation_row(index: int) -> dict[str, str]:
    return {
        "siren": SIREN,
        "raison_sociale": "Formations du Centre",
        "nda": "11755555555",
        "siret": make_siret(SIREN, index),
        "nom_etablissement": f"Formations du Centre – site {index}",
        "adresse": "12 rue de la République",
        "code_postal": "93200",
        "commune": "Saint-Denis",
        "departement": "93",
    }


@pytest.mark.django_db
@given(st.lists(ORGANISATION_FUZZ, min_size=1, max_size=4))
@example([{"code_postal": "20²²²", "departement": "2A"}])  # isdigit() but not a number: crashed the check
@example([{"code_postal": "20", "departement": "2A"}])
@example([{}, {}])
@settings(max_examples=20)
def test_the_organisations_dry_run_on_any_cells_writes_nothing(officer, fuzzed):
    rows = [rows_with(fuzz, organisation_row(n + 1), ORGANISATION_HEADER) for n, fuzz in enumerate(fuzzed)]
    assume(all(any(cell.strip() for cell in row) for row in rows))
    content = csv_file([ORGANISATION_HEADER, *rows], separator=";", encoding="utf-8")

    job = assert_dry_run_writes_nothing(content, actor=officer, contract="organisations", rows=len(rows))
    if not any(fuzzed):
        assert job.new_rows == len(rows)


@pytest.mark.django_db
@given(st.integers(0, 3), st.sampled_from([b'"' + b"x" * 140_000, b"x" * 140_000 + b";y\r\n"]))
@settings(max_examples=8)
def test_a_file_damaged_after_valid_rows_is_refused_whole_by_the_dry_run(evaluator, idf_site, valid, damage):
    rows = [
        [
            candidate_row(idf_site.siret, f"DOS-{n}", date_accueil=THREE_DAYS_AGO)[name]
            for name in CANDIDATE_HEADER
        ]
        for n in range(valid)
    ]
    content = csv_file([CANDIDATE_HEADER, *rows], separator=";", encoding="utf-8") + damage
    before = count_domain_rows()

    job = checked(content, actor=evaluator, contract="candidates", name="fichier.csv")

    assert job.status == ImportStatus.REFUSED
    assert job.file_error.startswith(f"Le fichier est illisible à partir de la ligne {valid + 2} ")
    assert count_domain_rows() == before
