"""Dates of a file's steps: a step is not dated in the future nor before the previous one; years later."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone


def check_date(day: dt.date, *, not_before: dt.date | None, label: str, previous: str) -> None:
    """A step's date is not in the future and does not precede the previous step."""
    if day > timezone.localdate():
        raise ValidationError(f"La date {label} ({day:%d/%m/%Y}) ne peut pas être dans le futur.")
    if not_before and day < not_before:
        raise ValidationError(
            f"La date {label} ({day:%d/%m/%Y}) ne peut pas précéder {previous} ({not_before:%d/%m/%Y})."
        )


def add_years(day: dt.date, years: int) -> dt.date:
    """The same day `years` later (28 February for a 29 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)
