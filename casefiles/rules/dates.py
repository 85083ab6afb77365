"""Dates of a file's steps: a step is not dated in the future nor before the previous one; years later; the
moment an act is recorded at."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone

from backoffice.core.audit.events import recovery


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


def act_moment() -> dt.datetime:
    """The one rule of when an act is recorded (its rows' timestamps, its tasks, its events): now; for an act
    taken over from the old system (inside `recovered(on=…)`), its historical moment, given as data by the
    import that takes it over."""
    taken_over = recovery()
    return taken_over.at if taken_over is not None else timezone.now()


def act_day() -> dt.date:
    """The day of `act_moment`: today, or the historical day of an act taken over."""
    return timezone.localdate(act_moment())


def act_batch() -> int | None:
    """The migration batch of an act taken over (every record it creates carries it); None for an act here."""
    taken_over = recovery()
    return taken_over.batch if taken_over is not None else None
