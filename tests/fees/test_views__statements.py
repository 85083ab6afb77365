"""The fees' pages: finance (national supervisors, administrators) sees every statement, computes, issues,
exports and marks paid; an organisation's staff see their own issued statements only — organisation A never
sees B's, in the list, a statement, its PDF, the accounting file or the dashboard; case officers see none."""

from __future__ import annotations

import codecs
import datetime as dt
import io
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from backoffice.core.accounts.roles import Role
from backoffice.core.signing.models import SignedDocument
from backoffice.fees.documents import statement_html
from backoffice.fees.models import FeePeriod, Statement, StatementStatus
from backoffice.fees.services import compute_period, freeze_period
from tests.fees.conftest import P1, P2, accredited_site, issued_certificate, positioned, staff_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(site_a, staff_a, site_b, staff_b, finance) -> FeePeriod:
    """P1 issued for A (a positioning, a certificate) and B (a positioning)."""
    case_file = positioned(site_a, staff_a, P1[0] + dt.timedelta(days=2), name="Aubert")
    issued_certificate(case_file, P1[0] + dt.timedelta(days=9))
    positioned(site_b, staff_b, P1[0] + dt.timedelta(days=3), name="Berger")
    return freeze_period(compute_period(*P1, actor=finance), actor=finance)


def statement(period: FeePeriod, site) -> Statement:  # type: ignore[no-untyped-def]
    return Statement.objects.get(period=period, organisation=site.organisation)


def test_finance_lists_every_statement_and_the_periods(client_for, finance, issued, site_a, site_b):
    page = client_for(finance).get(reverse("redevances:index")).content.decode()

    for site in (site_a, site_b):
        assert statement(issued, site).number in page and site.organisation.legal_name in page
    assert "Périodes calculées" in page and reverse("redevances:accounting", args=[issued.pk]) in page


def test_an_organisation_sees_its_own_statements_only(client_for, staff_a, issued, site_a, site_b):
    client = client_for(staff_a)
    own, other = statement(issued, site_a), statement(issued, site_b)

    page = client.get(reverse("redevances:index")).content.decode()
    assert own.number in page and other.number not in page and site_b.organisation.legal_name not in page
    assert client.get(own.get_absolute_url()).status_code == 200
    assert client.get(other.get_absolute_url()).status_code == 404
    assert client.get(reverse("redevances:pdf", args=[other.pk])).status_code == 404
    assert client.get(reverse("redevances:accounting", args=[issued.pk])).status_code == 404
    assert client.get(reverse("redevances:period", args=[issued.pk])).status_code == 404
    assert client.post(reverse("redevances:paid", args=[own.pk])).status_code == 404
    own.refresh_from_db()
    assert own.status == StatementStatus.FROZEN


def test_an_organisation_never_sees_a_draft(client_for, staff_a, site_a, finance):
    draft = Statement.objects.get(period=compute_period(*P2, actor=finance), organisation=site_a.organisation)

    assert client_for(staff_a).get(draft.get_absolute_url()).status_code == 404
    assert client_for(finance).get(draft.get_absolute_url()).status_code == 200


def test_case_officers_and_jury_members_have_no_access(client_for, officer, jury_member, issued, site_a):
    own_region = statement(issued, site_a)
    for person in (officer, jury_member):
        client = client_for(person)
        assert client.get(reverse("redevances:index")).status_code == 403
        assert client.get(own_region.get_absolute_url()).status_code in (403, 404)
        assert client.get(reverse("redevances:dashboard")).status_code == 403


def test_the_statement_page_links_each_act_the_viewer_may_open(client_for, staff_a, finance, issued, site_a):
    own = statement(issued, site_a)
    file_line = own.lines.get(kind="positioning")

    for person in (staff_a, finance):
        page = client_for(person).get(own.get_absolute_url()).content.decode()
        assert reverse("candidats:dossiers:detail", kwargs={"pk": file_line.subject_id}) in page
        assert f"SIRET {site_a.siret}" in page
        assert ("Marquer comme payé" in page) == (person == finance)
    trainer = staff_of(site_a.organisation, "formatrice.a", role=Role.TRAINER_STAFF)
    page = client_for(trainer).get(own.get_absolute_url()).content.decode()
    assert file_line.label in page  # listed, but not linked: a trainer does not open case files
    assert reverse("candidats:dossiers:detail", kwargs={"pk": file_line.subject_id}) not in page


def test_the_list_pages_take_a_bounded_number_of_queries(
    client_for, finance, staff_a, issued, site_a, django_assert_max_num_queries
):
    for index in range(8):
        other = accredited_site("75")
        staff = staff_of(other.organisation, f"evaluateur.{index}")
        positioned(other, staff, P2[0] + dt.timedelta(days=1), name=f"Nom{'abcdefgh'[index]}")
    period = compute_period(*P2, actor=finance)
    for person, url in (
        (finance, reverse("redevances:index")),
        (finance, reverse("redevances:period", args=[period.pk])),
        (staff_a, reverse("redevances:index")),
        (finance, statement(issued, site_a).get_absolute_url()),
        (finance, reverse("redevances:schedules")),
        (finance, reverse("redevances:dashboard")),
    ):
        client = client_for(person)
        client.get(url)  # the content types, once
        with django_assert_max_num_queries(14):  # whatever the number of statements, lines or periods
            assert client.get(url).status_code == 200


def test_the_pdf_is_rendered_at_first_download_sealed_and_in_french(client_for, staff_a, issued, site_a):
    own = statement(issued, site_a)

    response = client_for(staff_a).get(reverse("redevances:pdf", args=[own.pk]))

    data = b"".join(response.streaming_content)
    assert response["Content-Type"] == "application/pdf" and data.startswith(b"%PDF")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert f"Relevé de redevances n° {own.number}" in text and site_a.siret in text
    assert "Évaluation préalable" in text and "Total TTC" in text
    assert SignedDocument.objects.filter(kind="fee_statement", reference=own.number).exists()
    own.refresh_from_db()
    assert own.pdf  # stored: the next download serves it


def test_a_drafts_pdf_does_not_exist(client_for, finance, site_a):
    draft = Statement.objects.get(period=compute_period(*P2, actor=finance))
    assert client_for(finance).get(reverse("redevances:pdf", args=[draft.pk])).status_code == 404


def csv_rows(response) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    raw = response.content
    assert raw.startswith(codecs.BOM_UTF8) and b"\r\n" in raw
    rows = [row.split(";") for row in raw[3:].decode("utf-8").strip().split("\r\n")]
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_the_accounting_file_is_one_balanced_french_entry_per_statement(
    client_for, finance, issued, site_a, site_b, settings
):
    settings.FEES_ACCOUNT_CODES = {**settings.FEES_ACCOUNT_CODES, "positioning": "706301"}

    response = client_for(finance).get(reverse("redevances:accounting", args=[issued.pk]))

    rows = csv_rows(response)
    own, other = statement(issued, site_a), statement(issued, site_b)
    entry = [(row["Compte"], row["Débit"], row["Crédit"]) for row in rows if row["N° de pièce"] == own.number]
    # A positioning (20 € HT) and a certificate (5 € HT), VAT 20 %: the customer owes 30 € TTC.
    assert entry == [
        ("411000", "30,00", ""),
        ("706301", "", "20,00"),
        ("706400", "", "5,00"),
        ("445710", "", "5,00"),
    ]
    first = next(row for row in rows if row["N° de pièce"] == own.number)
    issued_on = timezone.localdate(own.frozen_at)
    assert first["Journal"] == "VT" and first["Date de pièce"] == f"{issued_on:%d/%m/%Y}"
    assert first["SIREN"] == site_a.organisation.siren and first["Libellé"].startswith(f"Relevé {own.number}")
    assert [row["N° de pièce"] for row in rows] == sorted(row["N° de pièce"] for row in rows)
    assert {row["N° de pièce"] for row in rows} == {own.number, other.number}
    assert response["Content-Disposition"].startswith('attachment; filename="redevances-')


def test_the_accounting_file_and_the_pdf_keep_the_customer_as_issued(client_for, finance, issued, site_a):
    organisation = site_a.organisation
    old_name, old_siren = organisation.legal_name, organisation.siren
    old_site_name = site_a.name
    organisation.legal_name, organisation.siren = "Nouveau Nom SAS", "100000009"
    organisation.save()
    site_a.name = "Établissement renommé"
    site_a.save()

    rows = csv_rows(client_for(finance).get(reverse("redevances:accounting", args=[issued.pk])))
    html = unescape(statement_html(statement(issued, site_a)))

    own = [row for row in rows if row["N° de pièce"] == statement(issued, site_a).number]
    assert own and {(row["Organisme"], row["SIREN"]) for row in own} == {(old_name, old_siren)}
    assert old_name in html and f"SIREN {old_siren}" in html and old_site_name in html
    assert "Nouveau Nom" not in html and "100000009" not in html and "renommé" not in html


def test_the_accounting_file_of_a_draft_period_does_not_exist(client_for, finance, site_a):
    period = compute_period(*P2, actor=finance)
    assert client_for(finance).get(reverse("redevances:accounting", args=[period.pk])).status_code == 404


def test_the_dashboard_shows_an_organisation_its_own_figures_only(
    client_for, staff_a, staff_b, finance, issued
):
    def figures(person) -> str:  # type: ignore[no-untyped-def]
        response = client_for(person).get(
            reverse("redevances:dashboard"), {"table": "actes", "format": "csv"}
        )
        return response.content.decode("utf-8-sig")

    assert "Évaluation préalable;2;0;0;40.00" in figures(finance)
    assert "Évaluation préalable;1;0;0;20.00" in figures(staff_a)
    assert "Certificat délivré;1;0;0;5.00" in figures(staff_a)
    assert "Certificat délivré" not in figures(staff_b)
    page = client_for(staff_a).get(reverse("redevances:dashboard")).content.decode()
    assert "Montants par région" in page and "Montants par nature d&#x27;acte" in page


def test_the_dashboard_refuses_reversed_dates_in_french(client_for, finance):
    response = client_for(finance).get(
        reverse("redevances:dashboard"), {"start": "2026-05-01", "end": "2026-01-01"}
    )
    assert "La date de début doit précéder la date de fin." in response.content.decode()


def test_finance_computes_issues_and_marks_paid_through_the_pages(client_for, finance, site_a, staff_a):
    positioned(site_a, staff_a, P2[0] + dt.timedelta(days=1))
    client = client_for(finance)
    assert client.get(reverse("redevances:compute")).status_code == 200

    response = client.post(reverse("redevances:compute"), {"start": P2[0], "end": P2[1]})
    period = FeePeriod.objects.get()
    assert response.status_code == 302 and response["Location"] == period.get_absolute_url()
    client.post(reverse("redevances:freeze", args=[period.pk]))
    own = statement(period, site_a)
    assert own.status == StatementStatus.FROZEN and own.number

    client.post(reverse("redevances:paid", args=[own.pk]))
    own.refresh_from_db()
    assert own.status == StatementStatus.PAID


def test_the_compute_page_says_why_an_overlapping_period_is_refused(client_for, finance, issued):
    response = client_for(finance).post(reverse("redevances:compute"), {"start": P1[1], "end": P2[1]})
    assert response.status_code == 400 and "chevauche" in response.content.decode()
    assert FeePeriod.objects.count() == 1


def test_the_schedule_form_shows_french_errors_and_saves_nothing(client_for, administrator, supervisor):
    from backoffice.fees.models import FeeSchedule

    before = FeeSchedule.objects.count()
    data = {
        "certification": FeeSchedule.objects.first().certification_id,
        "valid_from": "2099-01-01",
        "note": "",
    }
    for kind in ("application", "site", "positioning", "certificate", "duplicate"):
        data.update({f"amount_{kind}": "", f"vat_{kind}": "20"})
    data.update({"amount_positioning": "-5", "vat_certificate": "120", "amount_certificate": "5"})

    response = client_for(administrator).post(reverse("redevances:schedule_add"), data)

    page = response.content.decode()
    assert response.status_code == 400
    assert "Le montant ne peut pas être négatif." in page and "entre 0 et 100 %" in page
    assert FeeSchedule.objects.count() == before
    assert client_for(supervisor).get(reverse("redevances:schedule_add")).status_code == 403
    assert client_for(supervisor).get(reverse("redevances:schedules")).status_code == 200
