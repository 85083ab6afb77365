"""Background work on accreditations: takes no instances, re-reads state, safe to run twice."""

from __future__ import annotations

import dramatiq

from .services import expire_accreditations


@dramatiq.actor(queue_name="default", max_retries=3)
def expire_accreditations_due() -> int:
    """Mark as expired every accreditation whose validity has ended (idempotent sweep)."""
    return expire_accreditations()
