"""What an import's apply tells whoever depends on it, inside its transaction (so what they keep commits or
rolls back with the rows): each batch of rows written, then the import applied. The API's lots keep each
item's answer this way, whichever worker applies the import (its own, or the stalled-imports resume)."""

from __future__ import annotations

from django.dispatch import Signal

# sender=ImportJob, job=the import, rows=the batch's rows (each with its action, errors and data)
rows_applied = Signal()
# sender=ImportJob, job=the import, now « appliqué »
import_applied = Signal()
