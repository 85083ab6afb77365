"""Each act is priced by the schedule of its certification in force on the act's own date; a kind without a
rate is « non tarifé » (listed, never priced 0); acts taken over from the old system are not billed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType

from accreditation.models import AccreditationRole, Certification
from accreditation.services import submit_application
from backoffice.core.legacy.models import LegacyBatch
from backoffice.fees.models import FeeKind, Statement, StatementLine
from backoffice.fees.services import compute_period
from casefiles.models import CaseFile, Certificate
from tests.accreditation.test_services__instruction import ready_to_submit
from tests.factories import AccreditationFactory
from tests.fees.conftest import (
    P1,
    P2,
    TODAY,
    accredited_site,
    issued_certificate,
    moment,
    positioned,
    schedule,
    staff_of,
)

pytestmark = pytest.mark.django_db


def lines_of(site) -> list[tuple[str, Decimal | None]]:  # type: ignore[no-untyped-def]
    return sorted(
        StatementLine.objects.filter(site=site).values_list("kind", "unit_price_ht"), key=lambda row: row[0]
    )


def test_an_act_the_day_before_a_new_schedule_keeps_the_old_price_and_the_day_itself_takes_the_new(
    site_a, staff_a, finance
):
    change = P1[0] + dt.timedelta(days=30)
    schedule("CLEA", change, positioning="25.00", certificate="6.00")
    before = positioned(site_a, staff_a, change - dt.timedelta(days=1), name="Avant")
    on_the_day = positioned(site_a, staff_a, change, name="Jour")

    compute_period(*P1, actor=finance)

    prices = dict(
        StatementLine.objects.filter(kind=FeeKind.POSITIONING).values_list("subject_id", "unit_price_ht")
    )
    assert prices == {before.pk: Decimal("20.00"), on_the_day.pk: Decimal("25.00")}
    line = StatementLine.objects.get(subject_id=on_the_day.pk, kind=FeeKind.POSITIONING)
    assert (line.amount_ht, line.vat_rate, line.amount_vat, line.amount_ttc) == (
        Decimal("25.00"),
        Decimal("20.00"),
        Decimal("5.00"),
        Decimal("30.00"),
    )
    assert (
        line.label
        == f"Évaluation préalable du {on_the_day.positioned_on:%d/%m/%Y} — dossier n° {on_the_day.pk}"
    )
    assert "Léa" not in line.label and "Jour" not in line.label  # a file by its number, never a person


def test_a_schedule_dated_after_the_act_never_prices_it(site_a, staff_a, finance):
    act = positioned(site_a, staff_a, P1[0] + dt.timedelta(days=10))
    schedule("CLEA", act.positioned_on + dt.timedelta(days=1), positioning="99.00")

    compute_period(*P1, actor=finance)

    assert StatementLine.objects.get(kind=FeeKind.POSITIONING).unit_price_ht == Decimal("20.00")


def test_an_act_of_a_certification_without_rates_is_listed_unpriced_never_at_zero(finance):
    site = accredited_site(certification="CLEA_MGT")
    staff = staff_of(site.organisation, "manager.staff")
    positioned(site, staff, P1[0] + dt.timedelta(days=5), certification="CLEA_MGT")

    compute_period(*P1, actor=finance)

    line = StatementLine.objects.get(kind=FeeKind.POSITIONING)
    assert line.unit_price_ht is None and line.amount_ht is None and line.amount_ttc is None
    statement = line.statement
    assert statement.unpriced == 1
    assert statement.total_ht == Decimal("0.00")


def test_certificates_are_priced_by_their_issue_date_and_taken_over_ones_are_not_billed(
    site_a, staff_a, finance
):
    issued_on = P1[0] + dt.timedelta(days=20)
    ours = issued_certificate(positioned(site_a, staff_a, P1[0], name="Notre"), issued_on)
    batch = LegacyBatch.objects.create(label="Reprise", created_by=finance)
    issued_certificate(positioned(site_a, staff_a, P1[0], name="Reprise"), issued_on, legacy_batch=batch)

    compute_period(*P1, actor=finance)

    line = StatementLine.objects.get(kind=FeeKind.CERTIFICATE)
    assert (line.act_id, line.act_on, line.unit_price_ht) == (ours.pk, issued_on, Decimal("5.00"))
    assert line.subject_type == ContentType.objects.get_for_model(Certificate)


def test_clea_numerique_bills_the_application_per_certification_and_each_siret_accredited(
    site_a, staff_a, officer, finance
):
    application = submit_application(ready_to_submit(officer, staff_a), actor=staff_a)
    submitted_on = P1[0] + dt.timedelta(days=3)
    type(application).objects.filter(pk=application.pk).update(submitted_at=moment(submitted_on))
    granted_on = P1[0] + dt.timedelta(days=40)
    numerique = Certification.objects.get(code="CLEA_NUM")
    for role in (AccreditationRole.EVALUATOR, AccreditationRole.TRAINER):  # one SIRET, two roles: billed once
        AccreditationFactory(site=site_a, certification=numerique, role=role, valid_from=granted_on)

    compute_period(*P1, actor=finance)

    lines = StatementLine.objects.filter(certification=numerique).order_by("kind")
    assert [(line.kind, line.unit_price_ht, line.act_on) for line in lines] == [
        (FeeKind.APPLICATION, Decimal("300.00"), submitted_on),
        (FeeKind.SITE, Decimal("150.00"), granted_on),
    ]
    statement = Statement.objects.get(organisation=site_a.organisation)
    assert statement.total_ht == Decimal("450.00") and statement.total_ttc == Decimal("540.00")


def test_a_duplicate_is_billed_from_its_audit_event_at_the_certificates_price(
    site_a, staff_a, supervisor, finance
):
    from casefiles.services import reissue_certificate

    certificate = issued_certificate(positioned(site_a, staff_a, P1[0]), P1[0] + dt.timedelta(days=1))
    schedule(
        "CLEA", P1[0] - dt.timedelta(days=400), positioning="20.00", certificate="5.00", duplicate="3.00"
    )
    reissue_certificate(certificate, actor=supervisor)  # today: in the second period

    compute_period(TODAY - dt.timedelta(days=1), TODAY, actor=finance)

    line = StatementLine.objects.get(kind=FeeKind.DUPLICATE)
    assert (line.unit_price_ht, line.act_on, line.subject_id) == (Decimal("3.00"), TODAY, certificate.pk)
    assert line.label == f"Duplicata délivré le {TODAY:%d/%m/%Y} — dossier n° {certificate.case_file_id}"


def test_statements_are_per_organisation_with_lines_per_siret(site_a, staff_a, finance):
    second = accredited_site("92", organisation=site_a.organisation)
    positioned(site_a, staff_a, P2[0] + dt.timedelta(days=1), name="Premier")
    positioned(second, staff_a, P2[0] + dt.timedelta(days=2), name="Second")

    compute_period(*P2, actor=finance)

    statement = Statement.objects.get(organisation=site_a.organisation)
    assert set(statement.lines.filter(kind=FeeKind.POSITIONING).values_list("site", flat=True)) == {
        site_a.pk,
        second.pk,
    }
    assert CaseFile.objects.count() == 2
