"""The statement as a PDF in French (WeasyPrint), sealed like every document Certif'Pro issues."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone

from backoffice.core.signing.models import SignedKind
from backoffice.core.signing.stored import Seal, seal_files_of

from .models import Statement
from .selectors import lines_by_site


def statement_seal(statement: Statement) -> Seal:
    """How a statement's PDF is described where it is signed."""
    return Seal(
        SignedKind.FEE_STATEMENT,
        statement.number,
        f"Relevé de redevances n° {statement.number} — {statement.organisation.legal_name}",
    )


def render_statement(statement: Statement) -> bytes:
    """The statement: the organisation, the period, each SIRET's lines (acts, credits), the totals."""
    from weasyprint import HTML  # heavy import: only when a document is asked for

    html = render_to_string(
        "fees/statement_pdf.html",
        {
            "statement": statement,
            "groups": lines_by_site(statement),
            "rendered_on": timezone.localdate(),
        },
    )
    return HTML(string=html).write_pdf()


# A PDF stored before signing was configured is sealed at its next download.
seal_files_of(Statement, "pdf", lambda statement: statement_seal(statement) if statement.is_issued else None)
