"""A place of birth: a commune of the official geography (born in France) or a country abroad."""

from __future__ import annotations

import datetime as dt

import pytest

from backoffice.core.places.models import Country, cdc_country_code
from backoffice.core.places.rules import (
    BOTH_GIVEN,
    FRANCE_AS_COUNTRY,
    birthplace_problems,
    commune_label,
    country_label,
    normalise_commune_code,
    normalise_country_code,
)

pytestmark = pytest.mark.django_db

BORN_1985 = dt.date(1985, 4, 12)


def problems(commune: str = "", country: str = "", born: dt.date | None = BORN_1985) -> dict[str, str]:
    return birthplace_problems(commune_code=commune, country_code=country, birth_date=born)


def test_a_current_commune_is_fine():
    assert problems(commune="69123") == {}


def test_nothing_given_is_not_a_problem_here():
    assert problems() == {}


def test_codes_are_trimmed_and_upper_cased():
    assert normalise_commune_code(" 2a004 ") == "2A004"
    assert normalise_country_code(" 99 134") == "99134"
    assert problems(commune=" 2a004 ") == {}


def test_both_a_commune_and_a_country_are_refused_on_both_fields():
    assert problems(commune="69123", country="99134") == {
        "birth_commune_code": BOTH_GIVEN,
        "birth_country_code": BOTH_GIVEN,
    }


def test_an_unknown_commune_code_is_refused():
    assert problems(commune="75999") == {
        "birth_commune_code": "La commune de naissance 75999 n'existe pas dans le code officiel géographique."
    }


def test_a_former_commune_merged_into_a_commune_nouvelle_is_accepted():
    # Annecy-le-Vieux (74011) merged into Annecy (74010) in 2017: births before keep its code.
    assert problems(commune="74011") == {}
    assert commune_label("74011") == "Annecy-le-Vieux (74)"


def test_a_commune_nouvelle_that_kept_a_code_is_named_by_date_when_asked():
    assert commune_label("91228") == "Évry-Courcouronnes (91)"
    assert commune_label("91182") == "Courcouronnes (91)"


@pytest.mark.parametrize("code", ["75056", "75101", "75120", "69381", "13055", "13201"])
def test_paris_lyon_marseille_are_accepted_as_the_commune_or_its_district(code):
    assert problems(commune=code) == {}


def test_a_district_is_labelled_with_its_own_name():
    assert commune_label("75101") == "Paris 1er Arrondissement (75)"
    assert commune_label("69123") == "Lyon (69)"


def test_corsica_before_1976_is_accepted_under_the_old_and_the_current_code():
    assert problems(commune="20004", born=dt.date(1970, 1, 1)) == {}
    assert problems(commune="2A004", born=dt.date(1970, 1, 1)) == {}


def test_corsica_old_code_is_refused_for_a_birth_from_1976_with_the_current_code_named():
    assert problems(commune="20004", born=dt.date(1976, 1, 1)) == {
        "birth_commune_code": "À la date de naissance (01/01/1976), le code 20004 n'était pas en vigueur : "
        "Ajaccio (20004) a existé jusqu'au 31/12/1975. Code actuel de la commune : 2A004."
    }


def test_without_a_birth_date_a_former_code_is_accepted():
    assert problems(commune="20004", born=None) == {}


def test_a_country_abroad_is_fine_in_its_insee_or_cdc_form():
    assert problems(country="99134") == {}
    assert problems(country="350") == {}
    assert normalise_country_code("134") == "99134"
    assert normalise_country_code("99134") == "99134"


def test_an_unknown_country_is_refused():
    assert problems(country="99999") == {
        "birth_country_code": "Le pays de naissance 99999 n'existe pas dans le code officiel géographique."
    }


def test_france_is_not_a_country_of_birth_abroad():
    assert problems(country="99100") == {"birth_country_code": FRANCE_AS_COUNTRY}
    assert problems(country="100") == {"birth_country_code": FRANCE_AS_COUNTRY}


def test_a_country_that_no_longer_existed_at_the_birth_date_is_refused():
    assert problems(country="99115", born=dt.date(1993, 1, 1)) == {
        "birth_country_code": "À la date de naissance (01/01/1993), le pays Tchécoslovaquie (99115) "
        "n'existait pas dans le code officiel géographique : il a existé jusqu'au 31/12/1992."
    }
    assert problems(country="99115", born=dt.date(1970, 1, 1)) == {}


def test_a_country_that_did_not_yet_exist_at_the_birth_date_is_refused():
    assert (
        "a existé du 23/05/1949 au 02/10/1990"
        in problems(country="99142", born=dt.date(1945, 1, 1))["birth_country_code"]
    )
    assert (
        "existe depuis le 10/10/2010"
        in problems(country="99444", born=dt.date(1990, 1, 1))["birth_country_code"]
    )


def test_the_cdc_takes_the_last_three_digits_of_the_country_code():
    assert Country.objects.get(code="99134").cdc_country_code == "134"
    assert cdc_country_code("99350") == "350"


def test_country_labels():
    assert country_label("99134") == "Espagne"
    assert country_label("134") == "Espagne"
    assert country_label("99999") == ""
    assert commune_label("75999") == ""
