"""Rules of the takeover of the old system's certificates: whether a certificate's award day is possible for
its certification, and which framework version a certificate of a given day was assessed on (pure)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from accreditation.rules import certification_start


def awarded_before_it_existed(certification_code: str, awarded_on: dt.date) -> dt.date | None:
    """The certification's first day (`accreditation.rules.certification_start`: CléA 2015, CléA Numérique
    2019, CléA Management 2022) when `awarded_on` precedes it, else None."""
    start = certification_start(certification_code)
    return start if start is not None and awarded_on < start else None


def version_in_force(versions: Sequence[tuple[dt.date | None, int]], day: dt.date) -> int | None:
    """Of a certification's versions (publication day, id), the one in force on `day`: the last published
    on or before it; when none was yet (the history predates the versions recorded here), the earliest."""
    if not versions:
        return None
    dated = sorted(versions, key=lambda version: (version[0] or dt.date.min, version[1]))
    in_force = [pk for published_on, pk in dated if published_on is not None and published_on <= day]
    return in_force[-1] if in_force else dated[0][1]
