"""Reads of the accreditation approval: the application a process runs on."""

from __future__ import annotations

from typing import Any

from accreditation.models import AccreditationApplication


def application_of_process(process: Any) -> AccreditationApplication:
    """The application an approval process runs on, with its campaign and organisation."""
    return AccreditationApplication.objects.select_related("campaign", "organisation").get(process=process)
