"""Accreditations taken over from the old system (`habilitations`), with their dated status history.

One row per status change: the rows of one SIRET × certification × role × start date are one accreditation
(its grant, then its changes, in any order). Each accreditation is written whole or not at all, through the
accreditation services (grant, then each change back-dated to its day), inside `recovered()`: the audit
events carry their historical day and the migration batch, and nobody is notified.

The rows of one accreditation may lie far apart in the file, so the checker reads the whole file once when
it starts (a file of this kind holds thousands of rows, not millions) and judges each accreditation on all
its rows; the batches then take each row's verdict, and the first batch that holds one of its rows writes it.
"""

from __future__ import annotations

from .checker import _VERBS, AccreditationsChecker
from .contract import AccreditationsContract

# `_VERBS`: the service each status change calls (a test replaces one to refuse a change while writing).
__all__ = ["_VERBS", "AccreditationsChecker", "AccreditationsContract"]
