"""SIREN/SIRET checksums, La Poste's exception, NDA and postcodes, and the department of a postcode."""

from __future__ import annotations

import random

import pytest
from django.core.exceptions import ValidationError

from accreditation.validators import (
    LA_POSTE_SIREN,
    department_of_postcode,
    luhn_is_valid,
    normalise_number,
    validate_nda,
    validate_postcode,
    validate_siren,
    validate_siret,
)
from fixtures.demo import make_siren, make_siret

# A real company and one of its establishments.
REAL_SIREN = "732829320"
REAL_SIRET = "73282932000074"


def _error_code(validate, value: str) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as error:
        validate(value)
    return error.value.code


# SIREN


@pytest.mark.parametrize("seed", range(20))
def test_generated_sirens_are_valid(seed):
    siren = make_siren(random.Random(seed))

    validate_siren(siren)

    assert len(siren) == 9
    assert luhn_is_valid(siren)


def test_a_real_siren_is_valid():
    validate_siren(REAL_SIREN)


def test_it_rejects_a_siren_with_a_wrong_check_digit():
    with pytest.raises(ValidationError) as error:
        validate_siren("732829321")

    assert error.value.code == "siren_checksum"
    assert error.value.messages == ["Le SIREN 732829321 est invalide (clé de contrôle incorrecte)."]


@pytest.mark.parametrize("value", ["73282932", "7328293200", "", "732 829 32"])
def test_it_rejects_a_siren_of_the_wrong_length(value):
    with pytest.raises(ValidationError) as error:
        validate_siren(value)

    assert error.value.code == "siren_format"
    assert error.value.messages == ["Le SIREN doit comporter exactement 9 chiffres."]


@pytest.mark.parametrize("value", ["73282932A", "ABCDEFGHI", "7328-2932"])
def test_it_rejects_a_siren_with_letters_or_signs(value):
    assert _error_code(validate_siren, value) == "siren_format"


@pytest.mark.parametrize("value", ["732 829 320", "732.829.320", "732\u00a0829\u00a0320", " 732829320 "])
def test_spaces_and_dots_inside_a_siren_are_tolerated(value):
    assert normalise_number(value) == REAL_SIREN

    validate_siren(value)


def test_it_rejects_a_siren_typed_with_spaces_when_its_check_digit_is_wrong():
    assert _error_code(validate_siren, "732 829 321") == "siren_checksum"


# SIRET


@pytest.mark.parametrize("index", [1, 2, 17, 123, 9999])
def test_generated_sirets_are_valid(index):
    siren = make_siren(random.Random(index))
    siret = make_siret(siren, index)

    validate_siret(siret)

    assert siret[:9] == siren
    assert len(siret) == 14


def test_a_real_siret_is_valid():
    validate_siret(REAL_SIRET)


def test_spaces_inside_a_siret_are_tolerated():
    validate_siret("732 829 320 00074")


@pytest.mark.parametrize("value", ["73282932000075", "73282932000079", "73282932000047"])
def test_it_rejects_a_siret_with_a_wrong_check_digit(value):
    with pytest.raises(ValidationError) as error:
        validate_siret(value)

    assert error.value.code == "siret_checksum"
    assert error.value.messages == [f"Le SIRET {value} est invalide (clé de contrôle incorrecte)."]


@pytest.mark.parametrize("value", ["7328293200007", "732829320000740", REAL_SIREN, ""])
def test_it_rejects_a_siret_of_the_wrong_length(value):
    with pytest.raises(ValidationError) as error:
        validate_siret(value)

    assert error.value.code == "siret_format"
    assert error.value.messages == ["Le SIRET doit comporter exactement 14 chiffres."]


@pytest.mark.parametrize("value", ["7328293200007A", "732829320-0074"])
def test_it_rejects_a_siret_with_letters_or_signs(value):
    assert _error_code(validate_siret, value) == "siret_format"


# La Poste: one SIREN for all its establishments, whose SIRET digits add up to a multiple of 5.


def test_la_poste_siren_itself_passes_luhn():
    validate_siren(LA_POSTE_SIREN)


@pytest.mark.parametrize("value", ["35600000000015", "35600000000024", "35600000000051"])
def test_a_la_poste_siret_whose_digits_add_up_to_a_multiple_of_5_is_valid(value):
    # given a number that Luhn alone would refuse
    assert sum(int(c) for c in value) % 5 == 0
    assert not luhn_is_valid(value)

    validate_siret(value)


@pytest.mark.parametrize("value", ["35600000000049", "35600000000016"])
def test_it_rejects_a_la_poste_siret_whose_digits_do_not_add_up_to_a_multiple_of_5(value):
    assert sum(int(c) for c in value) % 5 != 0

    assert _error_code(validate_siret, value) == "siret_checksum"


def test_the_la_poste_head_office_siret_is_valid():
    # 356 000 000 00048 is La Poste's head office: its digits add up to 26, not a multiple of 5, but it
    # passes Luhn; INSEE (and python-stdnum) exempt it from the "multiple of 5" rule.
    assert sum(int(c) for c in "35600000000048") == 26
    assert luhn_is_valid("35600000000048")

    validate_siret("35600000000048")


# NDA (numéro de déclaration d'activité)


@pytest.mark.parametrize("value", ["11755555575", "93 13 12345 13", "11.75.55555.75"])
def test_an_nda_of_11_digits_is_valid(value):
    validate_nda(value)


@pytest.mark.parametrize("value", ["1175555557", "117555555750", "1175555557A", ""])
def test_it_rejects_an_nda_that_is_not_11_digits(value):
    with pytest.raises(ValidationError) as error:
        validate_nda(value)

    assert error.value.code == "nda_format"
    assert error.value.messages == ["Le numéro de déclaration d'activité doit comporter 11 chiffres."]


# Postcodes


@pytest.mark.parametrize("value", ["75011", "01000", "20000", "97400"])
def test_a_postcode_of_5_digits_is_valid(value):
    validate_postcode(value)


@pytest.mark.parametrize("value", ["7501", "750111", "2A000", "75 011", "", "F-75011"])
def test_it_rejects_a_postcode_that_is_not_5_digits(value):
    with pytest.raises(ValidationError) as error:
        validate_postcode(value)

    assert error.value.code == "postcode_format"
    assert error.value.messages == ["Le code postal doit comporter 5 chiffres."]


@pytest.mark.parametrize(
    ("postcode", "department"),
    [
        ("75011", "75"),
        ("01000", "01"),
        ("93200", "93"),
        ("20000", "2A"),
        ("20137", "2A"),
        ("20200", "2B"),
        ("20600", "2B"),
        ("97100", "971"),
        ("97400", "974"),
        ("97600", "976"),
    ],
)
def test_department_of_postcode(postcode, department):
    assert department_of_postcode(postcode) == department


@pytest.mark.parametrize(
    ("validator", "value"),
    [
        (validate_siren, "７３２８２９３２０"),  # full-width digits: the same SIREN could be stored twice
        (validate_siret, "７３２８２９３２００００７４"),
        (validate_nda, "１１７５５５５５５７５"),
        (validate_postcode, "７５０１１"),
        (validate_postcode, "75²11"),
    ],
)
def test_only_plain_digits_are_accepted(validator, value):  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError):
        validator(value)


def test_the_department_of_a_malformed_corsican_postcode_does_not_crash():
    assert department_of_postcode("20") == "2B" and department_of_postcode("20ab1") == "2B"
    assert department_of_postcode("20167") == "2A"
