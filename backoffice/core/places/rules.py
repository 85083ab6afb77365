"""The rules of a place of birth (docs/places.md), and the small selectors they and the forms need.

Born in France: the INSEE code of the commune of birth (a district of Paris, Lyon or Marseille is
accepted as well as the commune's code). Born abroad: the INSEE code of the country (99XXX), which the
CDC takes as its last three digits (`cdc_country_code`).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from django.db.models import Q

from .models import FRANCE_CODE, Commune, Country, PlaceKind

BOTH_GIVEN = (
    "Indiquez soit la commune de naissance (née en France), soit le pays de naissance "
    "(né·e à l'étranger), pas les deux."
)
FRANCE_AS_COUNTRY = "Pour une personne née en France, indiquez la commune de naissance, pas le pays."


def normalise_commune_code(value: str) -> str:
    """ " 2a004 " → "2A004": spaces dropped, letters of Corsica's departments upper-cased."""
    return re.sub(r"\s+", "", value or "").upper()


def normalise_country_code(value: str) -> str:
    """ "134" (the CDC's form) or "99134" → "99134"; anything else is returned trimmed."""
    code = re.sub(r"\s+", "", value or "")
    if len(code) == 3 and code.isdigit():
        return "99" + code
    return code


def search_key(text: str) -> str:
    """Lower case, no accents, words separated by one space: "L'Île-Saint-Denis" → "l ile saint denis"."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return " ".join(re.split(r"[^a-z0-9]+", plain)).strip()


def birthplace_problems(
    *, commune_code: str, country_code: str, birth_date: dt.date | None
) -> dict[str, str]:
    """What is wrong with a place of birth, by field; {} when nothing (both empty included)."""
    commune_code = normalise_commune_code(commune_code)
    country_code = normalise_country_code(country_code)
    if commune_code and country_code:
        return {"birth_commune_code": BOTH_GIVEN, "birth_country_code": BOTH_GIVEN}
    if commune_code:
        problem = _commune_problem(commune_code, birth_date)
        return {"birth_commune_code": problem} if problem else {}
    if country_code:
        problem = _country_problem(country_code, birth_date)
        return {"birth_country_code": problem} if problem else {}
    return {}


def _commune_problem(code: str, birth_date: dt.date | None) -> str:
    communes = list(Commune.objects.filter(code=code))
    if not communes:
        return f"La commune de naissance {code} n'existe pas dans le code officiel géographique."
    if birth_date is None or any(c.existed_on(birth_date) for c in communes):
        return ""
    commune = communes[0]
    message = (
        f"À la date de naissance ({birth_date:%d/%m/%Y}), le code {code} n'était pas en vigueur : "
        f"{commune.name} ({code}) {_period(commune.valid_from, commune.valid_to)}."
    )
    if commune.current_code and commune.current_code != code:
        message += f" Code actuel de la commune : {commune.current_code}."
    return message


def _country_problem(code: str, birth_date: dt.date | None) -> str:
    if code == FRANCE_CODE:
        return FRANCE_AS_COUNTRY
    country = Country.objects.filter(code=code).first()
    if country is None:
        return f"Le pays de naissance {code} n'existe pas dans le code officiel géographique."
    if birth_date is None or country.existed_on(birth_date):
        return ""
    return (
        f"À la date de naissance ({birth_date:%d/%m/%Y}), le pays {country.name} ({code}) n'existait pas "
        f"dans le code officiel géographique : il {_period(country.valid_from, country.valid_to)}."
    )


def _period(start: dt.date | None, end: dt.date | None) -> str:
    if start and end:
        return f"a existé du {start:%d/%m/%Y} au {end:%d/%m/%Y}"
    if end:
        return f"a existé jusqu'au {end:%d/%m/%Y}"
    return f"existe depuis le {start:%d/%m/%Y}" if start else "n'a pas de période connue"


def commune_label(code: str, on: dt.date | None = None) -> str:
    """ "Lyon (69)": the name under that code (on that date, if given); "" for an unknown code."""
    communes = list(Commune.objects.filter(code=normalise_commune_code(code)))
    if on is not None:
        communes = [c for c in communes if c.existed_on(on)] or communes
    communes.sort(key=lambda c: c.kind)  # current, then district, then former
    return communes[0].label if communes else ""


def country_label(code: str) -> str:
    """ "Espagne" for 99134 (or "134"); "" for an unknown code."""
    country = Country.objects.filter(code=normalise_country_code(code)).first()
    return country.label if country else ""


def find_commune(code: str) -> Commune | None:
    """The row to show for a code: the current commune, else the district, else a former one."""
    return Commune.objects.filter(code=normalise_commune_code(code)).order_by("kind", "name").first()


def find_country(code: str) -> Country | None:
    return Country.objects.filter(code=normalise_country_code(code)).first()


CODE_PATTERN = re.compile(r"^(\d[\dAB]|2[AB])\d{0,3}$")


def search_communes(query: str, *, limit: int = 20) -> list[Commune]:
    """Communes whose code or name starts with the query (accents and case ignored), current first;
    then, if too few, whose name contains it."""
    code = normalise_commune_code(query)
    if CODE_PATTERN.match(code):
        return list(Commune.objects.filter(code__startswith=code).order_by("code", "kind", "name")[:limit])
    key = search_key(query)
    if not key:
        return []
    # The prefix uses the index on search_name; "contains" reads the table, so only for 3 letters or more.
    found = list(Commune.objects.filter(search_name__startswith=key).order_by("kind", "search_name")[:limit])
    if len(found) < limit and len(key) >= 3:
        found += (
            Commune.objects.filter(search_name__contains=key)
            .exclude(search_name__startswith=key)
            .order_by("kind", "search_name")[: limit - len(found)]
        )
    return found


def search_countries(query: str, *, limit: int = 20) -> list[Country]:
    """Countries abroad whose code, name or another name (a territory, a former name) matches the query;
    the names that start with it first."""
    countries = Country.objects.exclude(code=FRANCE_CODE)
    code = normalise_country_code(query)
    if code.isdigit():
        return list(countries.filter(code__startswith=code if code.startswith("99") else "99" + code)[:limit])
    key = search_key(query)
    if not key:
        return []
    found = list(countries.filter(search_name__contains="|" + key).order_by("kind", "name")[:limit])
    if len(found) < limit:
        found += (
            countries.filter(search_name__contains=key)
            .exclude(Q(search_name__contains="|" + key))
            .order_by("kind", "name")[: limit - len(found)]
        )
    return found


__all__ = [
    "PlaceKind",
    "birthplace_problems",
    "commune_label",
    "country_label",
    "find_commune",
    "find_country",
    "normalise_commune_code",
    "normalise_country_code",
    "search_communes",
    "search_countries",
    "search_key",
]
