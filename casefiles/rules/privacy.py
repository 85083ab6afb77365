"""Retention of candidates' personal data: the period, and what an anonymised identity keeps (the age at
each opening, the department)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def retention_years() -> int:
    years = int(getattr(settings, "CANDIDATE_RETENTION_YEARS", 5))
    if years < 1:  # 0 would anonymise every closed file at once
        raise ImproperlyConfigured("CANDIDATE_RETENTION_YEARS doit valoir au moins 1 (an).")
    return years


def years_before(day: dt.date, years: int) -> dt.date:
    """The same day `years` earlier (28 February for a 29 February in a common year)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def age_on(day: dt.date, birth_date: dt.date) -> int:
    """Whole years reached on `day`, as PostgreSQL's `age()` counts them for the outcome facts."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def coarse_birth_date(birth_date: dt.date, openings: Iterable[dt.date]) -> dt.date:
    """The earliest date giving the same age on each day a file was opened: the age at opening, which the
    outcome statistics count, survives; the day of birth does not (1 January when no file was opened)."""
    bounds = [years_before(day, age_on(day, birth_date) + 1) + dt.timedelta(days=1) for day in openings]
    return max(bounds) if bounds else birth_date.replace(month=1, day=1)


def coarse_postcode(postcode: str) -> str:
    """The department only: 93200 → 93000, 97411 → 97400."""
    digits = 3 if postcode[:2] in ("97", "98") else 2
    return postcode[:digits].ljust(5, "0") if len(postcode) == 5 else ""
