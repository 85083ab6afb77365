"""Certificate numbers: PREFIX-YEAR-REGION-SEQUENCE (e.g. CLEA-2026-IDF-000123), one series per certification
prefix, year and region. Certificates taken over from the old system keep the number they were issued under,
whatever its form (`number_as_issued`); those in this form move their series' counter on (`series_tops`)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.core.exceptions import ValidationError

NUMBER_PATTERN = re.compile(
    r"^(?P<prefix>[A-Z]{2,10})-(?P<year>\d{4})-(?P<region>[A-Z]{2,5})-(?P<seq>\d{6})$"
)
NUMBER_MAX_LENGTH = 40  # Certificate.number
# A number is printed in the verification address (/verifier/<number>/): a slash would cut it in two.
_UNPRINTABLE_IN_ADDRESS = re.compile(r"[/\\\x00-\x1f\x7f]")

Series = tuple[str, int, str]  # prefix, year, region code


def format_number(prefix: str, year: int, region_code: str, sequence: int) -> str:
    """The number of the `sequence`-th certificate of a series."""
    return f"{prefix}-{year}-{region_code}-{sequence:06d}"


def normalised_number(raw: str) -> str:
    """A number as typed, trimmed and in capitals; a malformed number is refused."""
    number = (raw or "").strip().upper()
    if not NUMBER_PATTERN.match(number):
        raise ValidationError("Numéro mal formé : il s'écrit par exemple CLEA-2026-IDF-000123.")
    return number


def is_current_format(number: str) -> bool:
    """Whether a number has the form this back-office gives (an old system's may not)."""
    return NUMBER_PATTERN.match(number.upper()) is not None


def number_as_issued(raw: str) -> str:
    """A number taken over from the old system, kept as issued (trimmed): any form, as long as it fits the
    field and the verification address."""
    number = (raw or "").strip()
    if not number:
        raise ValidationError("obligatoire.")
    if len(number) > NUMBER_MAX_LENGTH:
        raise ValidationError(f"{NUMBER_MAX_LENGTH} caractères au plus ({len(number)} saisis).")
    if _UNPRINTABLE_IN_ADDRESS.search(number):
        raise ValidationError(
            f"« {number[:40]} » : une barre oblique (ou un caractère invisible) ne peut pas figurer dans "
            "l'adresse de vérification du certificat ; signalez ce numéro à un·e administrateur·rice."
        )
    return number


def lookup_forms(raw: str) -> list[str]:
    """The stored numbers a typed number may designate: as typed (trimmed), and in capitals — a number of the
    old system is stored as issued, in any form; one of ours always in capitals."""
    try:
        number = number_as_issued(raw)
    except ValidationError:  # never issued so (empty, too long, a NUL, a slash): nothing to look up
        return []
    return list(dict.fromkeys([number, number.upper()]))


def series_tops(numbers: Iterable[str]) -> dict[Series, int]:
    """The highest sequence of each series among `numbers` (those in this back-office's form)."""
    tops: dict[Series, int] = {}
    for number in numbers:
        found = NUMBER_PATTERN.match(number.upper())
        if found is not None:
            key = (found["prefix"], int(found["year"]), found["region"])
            tops[key] = max(tops.get(key, 0), int(found["seq"]))
    return tops
