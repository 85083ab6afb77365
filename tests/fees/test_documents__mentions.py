"""The statement's PDF carries the mentions of a French invoice: the issuer (FEES_ISSUER_*), the customer as
copied at issue, the issue and due dates, the payment terms, the late-payment penalties and the 40 € fixed
indemnity, the VAT per rate; a statement holding a credit only is titled « Avoir ». Checked on the HTML the
PDF is rendered from, in French formats."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal
from html import unescape

import pytest
from django.utils import timezone

from backoffice.fees.documents import VatTotal, statement_context, statement_html
from backoffice.fees.models import FeeRate, Statement
from backoffice.fees.services import compute_period, freeze_period
from casefiles.services import undo_step
from tests.fees.conftest import P1, P2, issued_certificate, positioned

pytestmark = pytest.mark.django_db


def text_of(html: str) -> str:
    """The HTML's text on one line, French spaces (non-breaking, narrow) as plain ones."""
    text = unescape(re.sub(r"<[^>]+>", " ", html)).replace("\u202f", " ").replace("\xa0", " ")
    return re.sub(r"\s+", " ", text)


def issue(period: tuple[dt.date, dt.date], actor) -> Statement:  # type: ignore[no-untyped-def]
    return Statement.objects.get(period=freeze_period(compute_period(*period, actor=actor), actor=actor))


@pytest.fixture
def two_rates(db):  # type: ignore[no-untyped-def]
    """CléA's positioning at 1 000 € HT (VAT 20 %), its certificate at 5 € HT (VAT 5.5 %)."""
    clea = FeeRate.objects.filter(schedule__certification__code="CLEA")
    clea.filter(kind="positioning").update(amount_ht=Decimal("1000.00"))
    clea.filter(kind="certificate").update(vat_rate=Decimal("5.5"))


def test_an_invoice_names_the_issuer_from_the_settings_and_the_customer_as_issued(
    site_a, staff_a, finance, settings
):
    settings.FEES_ISSUER_NAME = "Certif'Pro Test"
    settings.FEES_ISSUER_ADDRESS = "1 place de l'Essai, 75001 Paris"
    settings.FEES_ISSUER_SIREN = "100000009"
    settings.FEES_ISSUER_VAT_NUMBER = "FR88100000009"
    positioned(site_a, staff_a, P1[0] + dt.timedelta(days=3))
    statement = issue(P1, finance)

    text = text_of(statement_html(statement))

    assert f"Relevé de redevances n° {statement.number}" in text
    assert "Certif'Pro Test" in text and "1 place de l'Essai, 75001 Paris" in text
    assert "SIREN 100000009" in text and "N° de TVA intracommunautaire FR88100000009" in text
    organisation = site_a.organisation
    assert f"{organisation.legal_name}" in text and f"SIREN {organisation.siren}" in text
    assert f"{site_a.address}, {site_a.postcode} {site_a.city}" in text
    assert f"Établissement {site_a.name} — SIRET {site_a.siret}" in text
    assert "None" not in text


def test_an_invoice_gives_its_dates_payment_terms_penalties_and_the_40_euros_indemnity(
    site_a, staff_a, finance, settings
):
    settings.FEES_PAYMENT_DAYS = 45
    positioned(site_a, staff_a, P1[0] + dt.timedelta(days=3))
    statement = issue(P1, finance)
    issued_on = timezone.localdate(statement.frozen_at)

    text = text_of(statement_html(statement))

    due_on = issued_on + dt.timedelta(days=45)
    assert f"date d'émission : {issued_on:%d/%m/%Y}" in text
    assert f"date d'échéance : {due_on:%d/%m/%Y}" in text
    assert f"Net à payer : 24,00 € avant le {due_on:%d/%m/%Y}" in text
    assert "paiement à 45 jours à compter de la date d'émission" in text
    assert "pénalités de retard sont exigibles au taux de trois fois le taux d'intérêt légal" in text
    assert "indemnité forfaitaire pour frais de recouvrement de 40 €" in text
    assert statement_context(statement)["due_on"] == due_on
    settings.FEES_PAYMENT_DAYS = 60  # terms changed after the issue: the statement keeps its own
    assert f"date d'échéance : {due_on:%d/%m/%Y}" in text_of(statement_html(statement))


def test_the_pdf_prints_the_issuer_in_its_footer_as_written(site_a, staff_a, finance, settings):
    from pypdf import PdfReader

    from backoffice.fees.documents import render_statement

    settings.FEES_ISSUER_NAME = 'Certif\'Pro "Paris" <siège>'
    positioned(site_a, staff_a, P1[0] + dt.timedelta(days=3))
    statement = issue(P1, finance)

    text = PdfReader(io.BytesIO(render_statement(statement))).pages[0].extract_text()

    assert f'Relevé de redevances {statement.number} — Certif\'Pro "Paris" <siège>' in text
    assert "&#" not in text and "&quot;" not in text


def test_an_invoice_totals_its_vat_per_rate_in_french_amounts(site_a, staff_a, finance, two_rates):
    case_file = positioned(site_a, staff_a, P1[0] + dt.timedelta(days=3))
    issued_certificate(case_file, P1[0] + dt.timedelta(days=9))
    statement = issue(P1, finance)
    assert (statement.total_ht, statement.total_vat) == (Decimal("1005.00"), Decimal("200.28"))

    text = text_of(statement_html(statement))

    assert "TVA à 5,5 % sur 5,00 € HT 0,28 €" in text
    assert "TVA à 20 % sur 1 000,00 € HT 200,00 €" in text
    assert "Total HT 1 005,00 €" in text and "Total TVA 200,28 €" in text
    assert "Total TTC 1 205,28 €" in text
    assert statement_context(statement)["vat_rates"] == [
        VatTotal(Decimal("5.50"), Decimal("5.00"), Decimal("0.28")),
        VatTotal(Decimal("20.00"), Decimal("1000.00"), Decimal("200.00")),
    ]


def test_a_statement_holding_a_credit_only_is_an_avoir_with_nothing_to_pay(
    site_a, staff_a, supervisor, finance
):
    case_file = positioned(site_a, staff_a, P1[0] + dt.timedelta(days=3))
    issue(P1, finance)
    undo_step(case_file, "positioning", actor=supervisor)
    credit_note = issue(P2, finance)

    text = text_of(statement_html(credit_note))

    assert credit_note.total_ttc == Decimal("-24.00")
    assert f"Avoir n° {credit_note.number}" in text and "Relevé de redevances n°" not in text
    assert "Total TTC -24,00 €" in text and "aucune somme n'est à payer" in text
    assert "date d'échéance" not in text and "pénalités" not in text
    assert statement_context(credit_note)["due_on"] is None


def test_a_statement_that_bills_new_acts_is_no_avoir_even_when_its_total_is_negative(
    site_a, staff_a, supervisor, finance
):
    undone = [
        positioned(site_a, staff_a, P1[0] + dt.timedelta(days=d), name=n) for d, n in ((3, "A"), (4, "B"))
    ]
    issue(P1, finance)
    for case_file in undone:
        undo_step(case_file, "positioning", actor=supervisor)
    positioned(site_a, staff_a, P2[0] + dt.timedelta(days=3), name="C")
    statement = issue(P2, finance)

    text = text_of(statement_html(statement))

    assert statement.total_ttc == Decimal("-24.00") and not statement.is_credit_note
    assert f"Relevé de redevances n° {statement.number}" in text and "Avoir n°" not in text
    assert statement.due_on is None and "date d'échéance" not in text


def test_a_statement_with_nothing_billed_has_no_due_date_and_no_none(site_a, finance):
    statement = issue(P1, finance)

    text = text_of(statement_html(statement))

    assert f"Relevé de redevances n° {statement.number}" in text and "Relevé néant" in text
    assert "date d'échéance" not in text and "None" not in text


def test_deploy_check_warns_of_the_demo_issuer(settings):
    from backoffice.fees.checks import issuer_settings

    assert {w.id for w in issuer_settings()} == {"fees.W001"} and len(issuer_settings()) == 3
    settings.FEES_ISSUER_ADDRESS, settings.FEES_ISSUER_SIREN = (
        "1 place de la République, 75003 Paris",
        "552100554",
    )
    settings.FEES_ISSUER_VAT_NUMBER = "FR40552100554"
    assert issuer_settings() == []
    settings.FEES_ISSUER_VAT_NUMBER, settings.FEES_PAYMENT_DAYS = " ", 90
    assert sorted(w.id for w in issuer_settings()) == ["fees.W002", "fees.W003"]
