"""The fields of a person the forms that record one share (opening a file, the rectification): what the
training-account system (CDC) matches a holder on besides the name, first name and birth date."""

from __future__ import annotations

from typing import Any

from django import forms

from backoffice.core.places.forms import CommuneField, CountryField
from casefiles.rules.holders import BIRTHPLACE_HELP, birthplace_errors
from casefiles.rules.identity import validate_person_name

# Where the forms place them, among the identity fields they already have.
IDENTITY_ORDER = [
    "last_name",
    "birth_name",
    "first_name",
    "first_name_2",
    "first_name_3",
    "birth_date",
    "sex",
    "birth_commune_code",
    "birth_country_code",
]


class BirthIdentityForm(forms.Form):
    """The birth name, other first names and place of birth; the place checked by the one rule, each
    problem on its field (the service checks again through the model: nothing is saved either way)."""

    birth_name = forms.CharField(
        label="Nom de naissance",
        max_length=100,
        required=False,
        validators=[validate_person_name],
        help_text="Même s'il est le nom d'usage : le compte formation identifie la personne par ce nom.",
    )
    first_name_2 = forms.CharField(
        label="Deuxième prénom", max_length=100, required=False, validators=[validate_person_name]
    )
    first_name_3 = forms.CharField(
        label="Troisième prénom", max_length=100, required=False, validators=[validate_person_name]
    )
    birth_commune_code = CommuneField(label="Commune de naissance", required=False, help_text=BIRTHPLACE_HELP)
    birth_country_code = CountryField(label="Pays de naissance", required=False, help_text=BIRTHPLACE_HELP)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "birth_commune_code" in cleaned and "birth_country_code" in cleaned:
            problems = birthplace_errors(
                commune_code=cleaned["birth_commune_code"],
                country_code=cleaned["birth_country_code"],
                birth_date=cleaned.get("birth_date"),
            )
            for name, message in problems.items():
                self.add_error(name, message)
        return cleaned
