"""What the training-account system (CDC) matches a holder on besides the identity — birth name, other first
names, place of birth — as both contracts of people read them (candidates, historical certificates): the
columns, and the place checked by the one rule (`casefiles.rules.holders.birthplace_errors`)."""

from __future__ import annotations

from typing import Any

from casefiles.rules.holders import birthplace_errors, normalised_birthplace

from .. import cells
from .base import Column, Row

# A known reference of the candidates import updates each field only when the file has one of its columns
# (a file made from an older template leaves them as they are; an empty cell clears). The place of birth is
# one thing: either of its columns present, the file says it whole (a commune given clears the country).
FIELD_COLUMNS = {
    "birth_name": ("nom_naissance",),
    "first_name_2": ("prenom2",),
    "first_name_3": ("prenom3",),
    "birth_commune_code": ("commune_naissance", "pays_naissance"),
    "birth_country_code": ("commune_naissance", "pays_naissance"),
}
PLACE_COLUMNS = {"birth_commune_code": "commune_naissance", "birth_country_code": "pays_naissance"}

BIRTH_NAME_HELP = (
    "Nom de naissance, même s'il est le nom d'usage (vide : non connu, le certificat ne pourra pas être "
    "transmis au compte formation)"
)
BIRTH_COLUMNS = (
    Column("nom_naissance", False, BIRTH_NAME_HELP, "Martin"),
    Column("prenom2", False, "Deuxième prénom", ""),
    Column("prenom3", False, "Troisième prénom", ""),
    Column(
        "commune_naissance",
        False,
        "Né·e en France : code INSEE de la commune de naissance (5 caractères, pas le code postal)",
        "69123",
    ),
    Column(
        "pays_naissance",
        False,
        "Né·e à l'étranger : code INSEE du pays (99XXX ou les 3 derniers chiffres ; 99350 : Maroc)",
        "",
    ),
)


def read_birth(row: Row) -> dict[str, str]:
    """The birth name, other first names and place of birth of a row (both contracts of people read them)."""
    return {
        "birth_name": row.read("nom_naissance", _optional_name),
        "first_name_2": row.read("prenom2", _optional_name),
        "first_name_3": row.read("prenom3", _optional_name),
        "birth_commune_code": row.read(
            "commune_naissance", lambda v: cells.text(v, required=False, max_length=10)
        ),
        "birth_country_code": row.read(
            "pays_naissance", lambda v: cells.text(v, required=False, max_length=10)
        ),
    }


def check_birthplace(row: Row, person: dict[str, Any]) -> None:
    """The place of birth, normalised, checked by the one rule (`birthplace_errors`); its problems on their
    columns."""
    if person["birth_commune_code"] is None or person["birth_country_code"] is None:
        return  # a cell already refused
    person["birth_commune_code"], person["birth_country_code"] = normalised_birthplace(
        person["birth_commune_code"], person["birth_country_code"]
    )
    problems = birthplace_errors(
        commune_code=person["birth_commune_code"],
        country_code=person["birth_country_code"],
        birth_date=person["birth_date"],
    )
    for name, message in problems.items():
        row.fail(PLACE_COLUMNS[name], message)


def given_birth_fields(row: Row) -> list[str]:
    """The birth fields the file has a column for (an import updates only those)."""
    return [name for name, columns in FIELD_COLUMNS.items() if any(c in row.cells for c in columns)]


def _optional_name(value: str) -> str:
    return cells.person_name(value) if value.strip() else ""
