"""Files in progress taken over from the old system: the rows of an import of a migration batch are written
at their own historical day (`recovered`), through the same paths as any import."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext

from backoffice.core.audit.events import recovered

from .base import Row


def acts_by_day(
    rows: list[Row], *, batch: int | None, day: Callable[[Row], dt.date]
) -> list[tuple[dt.date | None, list[Row]]]:
    """The rows to write together, each group with the day to write it at (`acting_on`). An ordinary import
    writes them all at once, now (no day); an import of a migration batch writes the rows of each day in turn,
    oldest first: every row, task and event they write is dated that day and carries the batch
    (`casefiles.rules.dates.act_moment`, `act_batch`)."""
    if batch is None:
        return [(None, rows)] if rows else []
    days: dict[dt.date, list[Row]] = defaultdict(list)
    for row in rows:
        days[day(row)].append(row)
    return [(on, days[on]) for on in sorted(days)]


def window_ended_message(expires_on: dt.date) -> str:
    """A file whose 5-year window is over is not taken over in progress: its acquisitions have lapsed."""
    return (
        f"le délai de 5 ans de ce dossier a pris fin le {expires_on:%d/%m/%Y} : ses acquis sont caducs, "
        "il ne peut pas être repris en cours de parcours (une nouvelle évaluation préalable serait "
        "nécessaire)."
    )


def acting_on(day: dt.date | None, *, batch: int | None) -> AbstractContextManager[object]:
    """The context a row's act runs in: its historical day when taken over (`recovered`), now otherwise."""
    return recovered(on=day, batch=batch) if batch is not None and day is not None else nullcontext()
