"""What the training-account system (CDC) needs to know of a certificate's holder to match them against the
national register: birth name, first name, sex, full birth date and place of birth (docs/personal-data.md,
the "accrochage" notes). One rule, two forms that say the same thing: `transmission_gaps` for one person
(the page says what is missing), `identity_complete_q` for a queryset (the lists filter in SQL); a test
holds them together. And the one check of a place of birth every path runs (form, rectification, imports,
takeover): `birthplace_errors`, on the codes `normalised_birthplace` gives."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual

from backoffice.core.places import rules as places

GAP_BIRTH_NAME = "nom de naissance"
GAP_SEX = "sexe"
GAP_BIRTHPLACE = "lieu de naissance (commune ou pays)"
GAP_TOO_LONG = "nom ou prénom de plus de 60 caractères (la CDC n'en accepte pas davantage)"
CDC_NAME_MAX = 60  # nomNaissance, nomUsage, prénoms in the CDC's schema
CDC_NAME_FIELDS = ("birth_name", "last_name", "first_name", "first_name_2", "first_name_3")
BIRTHPLACE_HELP = "Pour une personne née à l'étranger, indiquez le pays ; née en France, la commune."


def transmission_gaps(candidate: Any) -> list[str]:
    """What the CDC would miss to match this person, in French, in a fixed order (first name and birth date
    are always there: the record cannot exist without them)."""
    gaps = []
    if not candidate.birth_name:
        gaps.append(GAP_BIRTH_NAME)
    if not candidate.sex:
        gaps.append(GAP_SEX)
    if not (candidate.birth_commune_code or candidate.birth_country_code):
        gaps.append(GAP_BIRTHPLACE)
    if any(len(getattr(candidate, name) or "") > CDC_NAME_MAX for name in CDC_NAME_FIELDS):
        gaps.append(GAP_TOO_LONG)
    return gaps


def identity_complete_q(prefix: str = "") -> Q:
    """`transmission_gaps(c) == []` as a filter: on `Candidate` with no prefix, or through a relation
    (`case_file__candidate__` from a certificate). The fields are NOT NULL: `~Q(x="")` is `x <> ''`."""

    def given(name: str) -> Q:
        return ~Q(**{f"{prefix}{name}": ""})

    fits = Q()
    for name in CDC_NAME_FIELDS:  # no name longer than the CDC takes (a length, not a regex: cheap)
        fits &= Q(LessThanOrEqual(Length(f"{prefix}{name}"), CDC_NAME_MAX))
    return (
        given("birth_name")
        & given("sex")
        & (given("birth_commune_code") | given("birth_country_code"))
        & fits
    )


IDENTITY_COMPLETE = identity_complete_q()


def normalised_birthplace(commune_code: str, country_code: str) -> tuple[str, str]:
    """The codes as stored: the commune's five characters ("2a004" → "2A004"), the country's 99XXX form
    ("134" → "99134"); an empty value stays empty, one the reference does not know is kept (then refused)."""
    commune = places.normalise_commune_code((commune_code or "").strip())
    # A spreadsheet reads "06088" as a number and writes 6088: the commune lost its zero.
    if len(commune) == 4 and commune.isdigit():
        commune = commune.zfill(5)
    return commune, places.normalise_country_code((country_code or "").strip())


def birthplace_errors(*, commune_code: str, country_code: str, birth_date: dt.date | None) -> dict[str, str]:
    """The problems of a place of birth, by field (`birth_commune_code`, `birth_country_code`), in French;
    {} when fine or not given (a missing place is a gap for the CDC, not an error: `transmission_gaps`)."""
    commune_code, country_code = normalised_birthplace(commune_code, country_code)
    if not (commune_code or country_code):
        return {}
    return places.birthplace_problems(
        commune_code=commune_code, country_code=country_code, birth_date=birth_date
    )


def birthplace_shown(*, commune_code: str, country_code: str, birth_date: dt.date | None) -> str:
    """The place of birth as people read it: « Lyon (69) — 69123 », « Maroc — 99350 », "" when not given."""
    if commune_code:
        label = places.commune_label(commune_code, on=birth_date)
    elif country_code:
        label = places.country_label(country_code)
    else:
        return ""
    code = commune_code or country_code
    return f"{label} — {code}" if label else code
