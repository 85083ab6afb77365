"""The CSV and XLSX writers: formula-like text neutralised (CSV injection), numbers and dates kept typed."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zoneinfo

import pytest
from openpyxl import load_workbook

from backoffice.core.exports.formats import neutralise, write_csv, write_xlsx

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
DANGEROUS = ['=HYPERLINK("http://x")', "+33 1 02", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]


def csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf"), "UTF-8 with a BOM, for Excel"
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline=""), delimiter=";"))


@pytest.mark.parametrize("text", DANGEROUS)
def test_text_starting_like_a_formula_gets_a_leading_apostrophe(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["Martin", "Île-de-France", "a=b", "", "1+1", "'déjà"])
def test_other_text_is_left_as_it_is(text):
    assert neutralise(text) == text


def test_csv_neutralises_formulas_and_writes_dates_the_french_way():
    out = io.BytesIO()
    moment = dt.datetime(2026, 1, 5, 13, 30, tzinfo=dt.UTC)
    count = write_csv(
        out,
        ["nom", "date", "quand", "nombre", "vide"],
        [[text, dt.date(2026, 1, 5), moment, 3, None] for text in DANGEROUS],
    )

    header, *rows = csv_rows(out.getvalue())
    assert count == len(DANGEROUS)
    assert header == ["nom", "date", "quand", "nombre", "vide"]
    assert [row[0] for row in rows] == ["'" + text for text in DANGEROUS]
    assert rows[0][1:] == ["05/01/2026", "05/01/2026 14:30", "3", ""]  # Paris time
    assert b"\r\n" in out.getvalue()


def test_xlsx_neutralises_formulas_and_keeps_numbers_and_dates_typed():
    out = io.BytesIO()
    moment = dt.datetime(2026, 7, 14, 8, 0, tzinfo=dt.UTC)
    write_xlsx(
        out,
        ["nom", "date", "quand", "nombre", "negatif", "vide"],
        [[text, dt.date(2026, 1, 5), moment, 28, -4, None] for text in DANGEROUS],
        title="Dossiers candidats",
    )

    sheet = load_workbook(io.BytesIO(out.getvalue())).active
    rows = list(sheet.iter_rows(min_row=2))
    assert sheet.title == "Dossiers candidats"
    assert [cell.value for cell in next(sheet.iter_rows(max_row=1))] == [
        "nom",
        "date",
        "quand",
        "nombre",
        "negatif",
        "vide",
    ]
    # A carriage return may come back as a line feed (openpyxl with the standard library's parser) or as
    # itself (with lxml): the apostrophe is what matters.
    values = [row[0].value.replace("\r", "\n") for row in rows]
    assert values == ["'" + text.replace("\r", "\n") for text in DANGEROUS]
    assert all(row[0].data_type == "s" for row in rows), "never a formula"
    first = rows[0]
    assert first[1].is_date and first[1].value == dt.datetime(2026, 1, 5)
    assert first[1].number_format == "DD/MM/YYYY"
    assert first[2].is_date and first[2].value == dt.datetime(2026, 7, 14, 10, 0)  # Paris summer time
    assert first[3].value == 28 and first[3].data_type == "n"
    assert first[4].value == -4 and first[4].data_type == "n", "a negative number stays a number"
    assert first[5].value is None


def test_xlsx_drops_control_characters_instead_of_failing():
    out = io.BytesIO()
    write_xlsx(out, ["motif"], [["Absent\x07 à la session"]], title="Décisions")
    assert load_workbook(io.BytesIO(out.getvalue())).active["A2"].value == "Absent à la session"
