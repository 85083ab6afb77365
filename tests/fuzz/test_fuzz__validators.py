"""Validators of French identifiers and the import's cell parsers, against any input."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import assume, example, given
from hypothesis import strategies as st

from accreditation.models import Department
from accreditation.validators import (
    LA_POSTE_SIREN,
    department_of_postcode,
    luhn_check_digit,
    normalise_number,
    validate_nda,
    validate_postcode,
    validate_siren,
    validate_siret,
)
from backoffice.imports import cells
from backoffice.imports.contracts.candidates import STATUSES

ASCII_DIGITS = "0123456789"
SEPARATORS = ("", " ", ".", "\u00a0")
VALIDATORS = {
    validate_siren: "Le SIREN ",
    validate_siret: "Le SIRET ",
    validate_nda: "Le numéro de déclaration d'activité ",
    validate_postcode: "Le code postal ",
}


def digits(size: int) -> st.SearchStrategy[str]:
    return st.text(ASCII_DIGITS, min_size=size, max_size=size)


def spaced(number: str, separators: list[str]) -> str:
    """The number as people type it: spaces, dots or non-breaking spaces between its digits."""
    return "".join(digit + separator for digit, separator in zip(number, separators, strict=False))


def changed(number: str, position: int, shift: int) -> str:
    new_digit = str((int(number[position]) + shift) % 10)
    return number[:position] + new_digit + number[position + 1 :]


# Validators


@given(st.text() | st.text(ASCII_DIGITS + " .\u00a0", max_size=20))
@example("")
@example("\x00")
def test_a_validator_refuses_anything_only_with_its_french_message(value):
    for validate, message_start in VALIDATORS.items():
        try:
            validate(value)
        except ValidationError as error:
            assert error.messages and all(m.startswith(message_start) for m in error.messages)


@given(digits(8), st.lists(st.sampled_from(SEPARATORS), min_size=9, max_size=9))
def test_a_siren_built_with_its_luhn_key_is_accepted_however_spaced(body, separators):
    siren = body + luhn_check_digit(body)

    validate_siren(siren)
    validate_siren(spaced(siren, separators))


@given(digits(8), st.integers(0, 8), st.integers(1, 9))
def test_any_single_digit_change_of_a_valid_siren_is_refused(body, position, shift):
    siren = body + luhn_check_digit(body)

    with pytest.raises(ValidationError) as refused:
        validate_siren(changed(siren, position, shift))
    assert refused.value.code == "siren_checksum"


@given(digits(13), st.integers(0, 13), st.integers(1, 9), st.lists(st.sampled_from(SEPARATORS), min_size=14))
def test_a_siret_built_with_its_luhn_key_is_accepted_and_any_single_digit_change_refused(
    body, position, shift, separators
):
    assume(not body.startswith(LA_POSTE_SIREN))  # La Poste's establishments have their own checksum
    siret = body + luhn_check_digit(body)
    validate_siret(spaced(siret, separators))

    wrong = changed(siret, position, shift)
    assume(not wrong.startswith(LA_POSTE_SIREN))
    with pytest.raises(ValidationError) as refused:
        validate_siret(wrong)
    assert refused.value.code == "siret_checksum"


@given(digits(4), st.integers(9, 13), st.sampled_from([1, 2, 3, 4, 6, 7, 8, 9]))
def test_a_la_poste_siret_is_checked_by_the_sum_of_its_digits(body, position, shift):
    partial = LA_POSTE_SIREN + body
    key = next(d for d in ASCII_DIGITS if (sum(map(int, partial)) + int(d)) % 5 == 0)
    siret = partial + key
    validate_siret(siret)

    # A change by 5 keeps the sum divisible by 5: the rule (La Poste's, not ours) cannot see it.
    with pytest.raises(ValidationError):
        validate_siret(changed(siret, position, shift))


@given(st.text())
@example("1 2.3\u00a04\t5\u20036")
def test_normalising_a_number_is_idempotent_and_drops_every_separator(value):
    once = normalise_number(value)

    assert normalise_number(once) == once
    assert not any(char.isspace() or char == "." for char in once)


@pytest.mark.django_db
@given(st.data())
def test_a_postcode_built_from_a_department_belongs_to_that_department(data):
    codes = list(Department.objects.values_list("code", flat=True))
    assert len(codes) >= 100  # the reference data is loaded
    code = data.draw(st.sampled_from(codes), label="department")
    if code == "2A":
        postcode = f"20{data.draw(st.integers(0, 199)):03d}"
    elif code == "2B":
        postcode = f"20{data.draw(st.integers(200, 999)):03d}"
    else:
        postcode = code + data.draw(digits(5 - len(code)))

    validate_postcode(postcode)
    assert department_of_postcode(postcode) == code


@given(digits(5))
def test_every_five_digit_postcode_names_a_department_code_it_starts_with(postcode):
    department = department_of_postcode(postcode)

    if postcode.startswith("20"):
        assert department in ("2A", "2B")
    else:
        assert postcode.startswith(department) and len(department) == (3 if postcode[:2] == "97" else 2)


# Cells of an imported row


CELL_PARSERS = {
    "text": lambda v: cells.text(v, required=True, max_length=50),
    "person_name": cells.person_name,
    "date": cells.date,
    "choice": lambda v: cells.choice(v, STATUSES, required=True, label="un statut"),
    "email": cells.email,
    "phone": cells.phone,
    "postcode": cells.postcode,
    "siret": cells.siret,
}


@given(st.text(max_size=300) | st.from_regex(r"\d{1,4}[/.-]\d{1,4}[/.-]\d{1,5}", fullmatch=True))
@example("00/00/0000")
@example("0000-00-00")
@example("31/02/2024")
@example("2024-02-30T10:00")
@example("a@b")
@example("x" * 250 + "@example.org")
def test_a_cell_parser_answers_a_value_or_a_french_cell_error(value):
    for name, parse in CELL_PARSERS.items():
        try:
            parse(value)
        except cells.CellError as error:
            assert error.message.strip(), name


@given(st.dates(dt.date(1000, 1, 1), dt.date(9999, 12, 31)))
def test_a_date_reads_alike_in_french_and_iso_formats(day):
    french = f"{day.day:02d}/{day.month:02d}/{day.year:04d}"
    short = f"{day.day}.{day.month}.{day.year:04d}"
    iso = f"{day.year:04d}-{day.month:02d}-{day.day:02d}"

    assert cells.date(french) == cells.date(short) == cells.date(iso) == cells.date(iso + "T00:00:00") == day


@given(st.text(max_size=8))
@example("20²²²")  # isdigit() but not a postcode: crashed department_of_postcode in the organisations import
@example("٩٣٢٠٠")
@example("1000")
def test_an_accepted_postcode_is_five_ascii_digits_in_a_department(value):
    try:
        postcode = cells.postcode(value)
    except cells.CellError:
        return
    assert len(postcode) == 5 and postcode.isascii() and postcode.isdigit()
    assert postcode.endswith(value)  # only a dropped leading zero is restored
    validate_postcode(postcode)
    department_of_postcode(postcode)


@given(
    st.sampled_from(sorted(STATUSES)),
    st.lists(st.booleans(), min_size=20, max_size=20),
    st.sampled_from(["", " ", "  "]),
)
def test_a_code_is_recognised_whatever_its_case_accents_and_spacing(code, upper, padding):
    typed = "".join(c.upper() if up else c for c, up in zip(code, upper, strict=False))
    typed = typed.replace("salarie", "salarié").replace("_", " " if upper[-1] else "-")

    assert (
        cells.choice(padding + typed + padding, STATUSES, required=True, label="un statut") == STATUSES[code]
    )
