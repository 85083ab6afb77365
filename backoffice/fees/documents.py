"""The statement as a PDF in French (WeasyPrint), sealed like every document Certif'Pro issues: the legal
mentions of a French invoice (the issuer, the customer as copied at issue, the dates, the payment terms and
penalties, the VAT per rate), titled « Avoir » when it holds a credit only."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from backoffice.core.signing.models import SignedKind
from backoffice.core.signing.stored import Seal, seal_files_of

from .models import Statement
from .rules import vat_by_rate
from .selectors import lines_by_site


@dataclass(frozen=True)
class Issuer:
    """Certif'Pro as the invoice names it (FEES_ISSUER_* settings)."""

    name: str
    address: str
    siren: str
    vat_number: str


@dataclass(frozen=True)
class VatTotal:
    """The VAT of one rate: its base HT and its amount."""

    rate: Decimal
    base: Decimal
    vat: Decimal

    @property
    def rate_label(self) -> str:
        """« 20 », « 5,5 »: the rate as French invoices print it."""
        return f"{self.rate.normalize():f}".replace(".", ",")


def issuer() -> Issuer:
    return Issuer(
        name=settings.FEES_ISSUER_NAME,
        address=settings.FEES_ISSUER_ADDRESS,
        siren=settings.FEES_ISSUER_SIREN,
        vat_number=settings.FEES_ISSUER_VAT_NUMBER,
    )


def document_title(statement: Statement) -> str:
    """« Avoir » for a credit only, else « Relevé de redevances »."""
    return "Avoir" if statement.is_credit_note else "Relevé de redevances"


def statement_seal(statement: Statement) -> Seal:
    """How a statement's PDF is described where it is signed."""
    customer = statement.customer_name or statement.organisation.legal_name
    return Seal(
        SignedKind.FEE_STATEMENT,
        statement.number,
        f"{document_title(statement)} n° {statement.number} — {customer}",
    )


def due_date(statement: Statement) -> dt.date | None:
    """The due date set at issue (`Statement.due_on`: the terms then in force); none when there is nothing to
    pay (néant, avoir) or the statement is a draft."""
    return statement.due_on if statement.frozen_at is not None else None


def css_string(text: str) -> SafeString:
    """A CSS string literal of `text` (the page footer's `content`): quotes, backslashes and line ends
    escaped, and `<` too (never a `</style>`); HTML escaping would print its entities."""
    escaped = "".join(f"\\{ord(char):x} " if char in '\\"<>\n\r' else char for char in text)
    return mark_safe(f'"{escaped}"')  # noqa: S308  (escaped above for CSS, its context)


def statement_context(statement: Statement) -> dict[str, Any]:
    """What the document shows: the customer and the lines' establishments as copied at issue."""
    groups = lines_by_site(statement)
    return {
        "statement": statement,
        "title": document_title(statement),
        "issuer": issuer(),
        "footer": css_string(f"{document_title(statement)} {statement.number} — {issuer().name}"),
        "groups": groups,
        "issued_on": timezone.localdate(statement.frozen_at) if statement.frozen_at else None,
        "due_on": due_date(statement),
        "payment_days": (statement.due_on - timezone.localdate(statement.frozen_at)).days
        if statement.due_on and statement.frozen_at
        else settings.FEES_PAYMENT_DAYS,
        "vat_rates": [
            VatTotal(*per_rate)
            for per_rate in vat_by_rate(
                (line.vat_rate, line.amount_ht, line.amount_vat) for group in groups for line in group.lines
            )
        ],
        "rendered_on": timezone.localdate(),
    }


def statement_html(statement: Statement) -> str:
    return render_to_string("fees/statement_pdf.html", statement_context(statement))


def render_statement(statement: Statement) -> bytes:
    """The statement: the parties, the period, each SIRET's lines (acts, credits), the totals, the terms."""
    from weasyprint import HTML  # heavy import: only when a document is asked for

    return HTML(string=statement_html(statement)).write_pdf()


# A PDF stored before signing was configured is sealed at its next download.
seal_files_of(Statement, "pdf", lambda statement: statement_seal(statement) if statement.is_issued else None)
