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
    """FEES_PAYMENT_DAYS after the issue; none when there is nothing to pay (néant, avoir) or not issued."""
    if statement.frozen_at is None or statement.total_ttc <= 0:
        return None
    return timezone.localdate(statement.frozen_at) + dt.timedelta(days=settings.FEES_PAYMENT_DAYS)


def statement_context(statement: Statement) -> dict[str, Any]:
    """What the document shows: the customer and the lines' establishments as copied at issue."""
    groups = lines_by_site(statement)
    return {
        "statement": statement,
        "title": document_title(statement),
        "issuer": issuer(),
        "groups": groups,
        "issued_on": timezone.localdate(statement.frozen_at) if statement.frozen_at else None,
        "due_on": due_date(statement),
        "payment_days": settings.FEES_PAYMENT_DAYS,
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
