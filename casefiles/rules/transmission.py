"""The certifier's deadline towards the training-account system (article R.6113-17-3 of the Labour Code):
every holder reaches the SI CPF within 3 months of the award; supervisors are reminded at 2 months."""

from __future__ import annotations

import calendar
import datetime as dt

DEADLINE_MONTHS = 3
REMINDER_MONTHS = 2


def shift_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (or earlier, when negative); the month's last day when it is shorter."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def deadline(awarded_on: dt.date) -> dt.date:
    """The last day the holder may reach the SI CPF in time."""
    return shift_months(awarded_on, DEADLINE_MONTHS)


def late_if_awarded_before(today: dt.date) -> dt.date:
    """A holder not accepted by `today` is late when awarded before this day (deadline passed)."""
    return shift_months(today, -DEADLINE_MONTHS)


def reminded_if_awarded_before(today: dt.date) -> dt.date:
    """Awarded before this day and never sent: the supervisors are reminded (2 months)."""
    return shift_months(today, -REMINDER_MONTHS)
