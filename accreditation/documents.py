"""The board's decision letter to the organisation, as a PDF (WeasyPrint)."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone

from .models import AccreditationApplication
from .rules import default_valid_to


def render_decision_letter(application: AccreditationApplication) -> bytes:
    """Each SIRET × certification × role asked, granted (with its validity) or refused (with its reason)."""
    from weasyprint import HTML  # heavy import: only when a letter is written

    board_on = application.campaign.board_on
    html = render_to_string(
        "accreditation/decision_letter.html",
        {
            "application": application,
            "scopes": application.scopes.select_related("certification").order_by(
                "siret", "certification__code"
            ),
            "valid_from": board_on,
            "valid_to": default_valid_to(board_on),
            "written_on": timezone.localdate(),
        },
    )
    return HTML(string=html).write_pdf()
