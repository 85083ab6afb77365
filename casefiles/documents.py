"""Documents of a case file rendered as PDF (WeasyPrint, with the system's Pango and fonts)."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone

from .models import CaseFile, DomainAcquisition, DomainStatus


def render_statement_of_acquisitions(case_file: CaseFile) -> bytes:
    """The candidate's attestation des acquis: each domain of the file's framework, acquired or to train."""
    from weasyprint import HTML  # heavy import: only when a document is asked for

    grid = (
        DomainAcquisition.objects.filter(case_file=case_file)
        .select_related("domain")
        .order_by("domain__position")
    )
    html = render_to_string(
        "casefiles/statement_of_acquisitions.html",
        {
            "case_file": case_file,
            "grid": grid,
            "acquired": [row for row in grid if row.status == DomainStatus.ACQUIRED],
            "issued_on": timezone.localdate(),
        },
    )
    return HTML(string=html).write_pdf()
