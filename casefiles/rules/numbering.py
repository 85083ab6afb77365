"""Certificate numbers: PREFIX-YEAR-REGION-SEQUENCE (e.g. CLEA-2026-IDF-000123), one series per certification
prefix, year and region."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

NUMBER_PATTERN = re.compile(
    r"^(?P<prefix>[A-Z]{2,10})-(?P<year>\d{4})-(?P<region>[A-Z]{2,5})-(?P<seq>\d{6})$"
)


def format_number(prefix: str, year: int, region_code: str, sequence: int) -> str:
    """The number of the `sequence`-th certificate of a series."""
    return f"{prefix}-{year}-{region_code}-{sequence:06d}"


def normalised_number(raw: str) -> str:
    """A number as typed, trimmed and in capitals; a malformed number is refused."""
    number = (raw or "").strip().upper()
    if not NUMBER_PATTERN.match(number):
        raise ValidationError("Numéro mal formé : il s'écrit par exemple CLEA-2026-IDF-000123.")
    return number
