"""The place of birth fields clean to the INSEE code, whatever form the person typed it in."""

from __future__ import annotations

import pytest
from django import forms

from backoffice.core.places.forms import CommuneField, CountryField

pytestmark = pytest.mark.django_db


class BirthplaceForm(forms.Form):
    birth_commune_code = CommuneField(label="Commune de naissance", required=False)
    birth_country_code = CountryField(label="Pays de naissance", required=False)


def cleaned(**data: str) -> dict[str, str]:
    form = BirthplaceForm(data=data)
    assert form.is_valid(), form.errors
    return form.cleaned_data


def errors(**data: str) -> dict[str, list[str]]:
    form = BirthplaceForm(data=data)
    assert not form.is_valid()
    return form.errors


@pytest.mark.parametrize("typed", ["69123", " 69123 ", "Lyon (69) — 69123", "Lyon (69) - 69123", "Lyon"])
def test_a_commune_cleans_to_its_code(typed):
    assert cleaned(birth_commune_code=typed)["birth_commune_code"] == "69123"


def test_a_corsican_code_is_upper_cased():
    assert cleaned(birth_commune_code="2a004")["birth_commune_code"] == "2A004"


def test_an_unknown_commune_is_refused():
    assert errors(birth_commune_code="75999") == {
        "birth_commune_code": ["La commune 75999 n'existe pas dans le code officiel géographique."]
    }


def test_a_name_borne_by_several_communes_asks_for_the_code():
    assert (
        "Plusieurs communes s'appellent « Saint-Martin »"
        in errors(birth_commune_code="Saint-Martin")["birth_commune_code"][0]
    )


@pytest.mark.parametrize("typed", ["99134", "134", "Espagne — 99134", "espagne"])
def test_a_country_cleans_to_its_insee_code(typed):
    assert cleaned(birth_country_code=typed)["birth_country_code"] == "99134"


def test_an_unknown_country_is_refused():
    assert errors(birth_country_code="Atlantide") == {
        "birth_country_code": ["Le pays Atlantide n'existe pas dans le code officiel géographique."]
    }


def test_empty_fields_stay_empty():
    assert cleaned() == {"birth_commune_code": "", "birth_country_code": ""}


def test_the_widget_proposes_names_from_the_json_endpoint():
    html = str(BirthplaceForm()["birth_commune_code"])

    assert 'list="id_birth_commune_code_choices"' in html
    assert 'data-places-url="/lieux/communes/"' in html
    assert '<datalist id="id_birth_commune_code_choices">' in html
    assert "places/places.js" in html
