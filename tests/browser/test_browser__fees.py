"""A statement of fees in a real browser: the supervisor (finance) finds it among the period's statements,
reads its lines by SIRET, downloads its PDF, marks it paid and reads the next one's credit; the organisation's
evaluator sees it too — its own only — and opens a billed act from it. axe-core finds no serious problem."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from pypdf import PdfReader

from backoffice.fees.models import Statement, StatementStatus
from backoffice.fees.services import compute_period, freeze_period
from casefiles.services import undo_step
from fixtures.reference import load_reference_data
from tests.browser.test_browser__demo import axe_problems
from tests.browser.test_browser__login import sign_in
from tests.factories import UserFactory
from tests.fees.conftest import P1, P2, accredited_site, issued_certificate, positioned, staff_of


@pytest.fixture
def issued(transactional_db):  # type: ignore[no-untyped-def]
    """P1 issued (a positioning and a certificate for A, a positioning for B); the positioning of A undone
    afterwards, credited on P2, issued too."""
    load_reference_data()  # the live server reads committed rows
    from accreditation.services import set_user_scope
    from backoffice.core.accounts.roles import Role

    finance = UserFactory(username="superviseur.finance", role=Role.SUPERVISOR)
    set_user_scope(finance, national=True, actor=None)
    site_a, site_b = accredited_site("93"), accredited_site("69")
    staff_a, staff_b = staff_of(site_a.organisation, "evaluatrice.a"), staff_of(site_b.organisation, "eval.b")
    undone = positioned(site_a, staff_a, P1[0] + dt.timedelta(days=2), name="Aubert")
    issued_certificate(
        positioned(site_a, staff_a, P1[0] + dt.timedelta(days=3), name="Brun"), P1[0] + dt.timedelta(days=8)
    )
    positioned(site_b, staff_b, P1[0] + dt.timedelta(days=4), name="Chevalier")
    freeze_period(compute_period(*P1, actor=finance), actor=finance)
    undo_step(undone, "positioning", actor=finance)
    second = freeze_period(compute_period(*P2, actor=finance), actor=finance)
    return {
        "own": Statement.objects.get(period__start=P1[0], organisation=site_a.organisation),
        "credit": Statement.objects.get(period=second, organisation=site_a.organisation),
        "other": Statement.objects.get(period__start=P1[0], organisation=site_b.organisation),
        "site": site_a,
    }


def test_the_supervisor_reads_a_statement_downloads_its_pdf_and_marks_it_paid(browser, live_server, issued):
    base, own = live_server.url, issued["own"]
    page = sign_in(browser, base, "superviseur.finance")
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(f"{base}/redevances/?periode={own.period_id}")
    assert issued["other"].number in page.inner_text("#statements")
    page.click(f"#statements a:has-text('{own.number}')")
    page.wait_for_url(f"**/redevances/{own.pk}/")
    summary = page.inner_text("#summary")
    assert "Émis" in summary and "45,00 €" in summary  # two positionings and a certificate, HT
    assert f"SIRET {issued['site'].siret}" in page.inner_text("#lines")
    assert axe_problems(page, strict=False) == []

    pdf = page.request.get(base + page.get_attribute("#pdf", "href"))
    assert pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF")
    assert "indemnité forfaitaire pour frais de recouvrement de 40 €" in pdf_text(pdf.body())

    page.click("text=Marquer comme payé")
    page.wait_for_selector("text=est marqué comme payé")
    assert "Payé" in page.inner_text("#status")
    own.refresh_from_db()
    assert own.status == StatementStatus.PAID

    page.goto(f"{base}/redevances/{issued['credit'].pk}/")
    lines = page.inner_text("#lines")
    assert "Avoir — Évaluation préalable" in lines and "Évaluation préalable annulée le" in lines
    assert f"avoir sur le relevé {own.number}" in lines and "-20,00 €" in lines
    credit_pdf = page.request.get(base + page.get_attribute("#pdf", "href"))
    assert f"Avoir n° {issued['credit'].number}" in pdf_text(credit_pdf.body())
    assert errors == []


def pdf_text(data: bytes) -> str:
    """The PDF's text on one line (WeasyPrint wraps long sentences)."""
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return re.sub(r"\s+", " ", text)


def test_the_evaluator_sees_its_own_statement_and_opens_a_billed_act(browser, live_server, issued):
    base, own = live_server.url, issued["own"]
    page = sign_in(browser, base, "evaluatrice.a")

    page.goto(f"{base}/redevances/")
    listing = page.inner_text("#statements")
    assert own.number in listing and issued["other"].number not in listing
    page.click(f"#statements a:has-text('{own.number}')")
    page.wait_for_url(f"**/redevances/{own.pk}/")
    assert "Marquer comme payé" not in page.inner_text("main")
    assert axe_problems(page, strict=False) == []

    page.click("#lines a:has-text('Évaluation préalable')")
    page.wait_for_url("**/candidats/dossiers/**")

    response = page.goto(f"{base}/redevances/{issued['other'].pk}/")
    assert response is not None and response.status == 404
