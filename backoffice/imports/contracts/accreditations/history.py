"""One accreditation as the file tells it (its rows, the dated changes they say) and as it is recorded (its
history of status changes)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from accreditation.models import Accreditation, AccreditationStatus, Certification

Key = tuple[str, str, str, dt.date]  # SIRET, certification code, role, start: one accreditation
History = list[tuple[str, dt.date, str]]  # (status, effective on, reason), in date order


@dataclass
class Entry:
    """One line of the file, read: the accreditation it names (None when unreadable), the change it says."""

    line: int
    errors: list[tuple[str, str]]
    key: Key | None = None
    certification: Certification | None = None
    valid_to: dt.date | None = None
    status: str = ""  # "" for the grant's line
    on: dt.date | None = None
    reason: str = ""

    def fail(self, column: str, message: str) -> None:
        self.errors.append((column, message))


@dataclass
class Change:
    status: str
    on: dt.date
    reason: str
    line: int  # 0: the expiry the rule adds


@dataclass
class Group:
    """The rows of one accreditation and what they say together."""

    key: Key
    entries: list[Entry]
    valid_to: dt.date | None = None  # None when the rows disagree
    changes: list[Change] = field(default_factory=list)

    @property
    def first_line(self) -> int:
        return self.entries[0].line

    @property
    def period(self) -> str:
        return f"du {self.key[3]:%d/%m/%Y} au {self.valid_to:%d/%m/%Y}"


def _recorded_history(accreditation: Accreditation) -> History:
    """The dated changes recorded (prefetched); for a row older than the history, what it says itself."""
    changes = [(c.status, c.effective_on, c.reason) for c in accreditation.status_changes.all()]
    if changes:
        return changes
    history: History = [(AccreditationStatus.ACTIVE.value, accreditation.valid_from, "")]
    if accreditation.status != AccreditationStatus.ACTIVE:
        history.append((accreditation.status, accreditation.status_changed_on, accreditation.status_reason))
    return history


def _described(history: History) -> str:
    words = [
        f"{AccreditationStatus(status).label.lower()} le {on:%d/%m/%Y}"
        + (f" (« {reason} »)" if reason else "")
        for status, on, reason in history
    ]
    return ", ".join(words)
