"""Data migration 0002: the statements issued before it get the customer's identity (name, SIREN, address)
from the rows as they stand when it runs, their lines the establishment's SIRET and name; a draft gets its
copy when it is issued."""

from __future__ import annotations

import datetime as dt

import pytest

from backoffice.fees.models import Statement, StatementLine, StatementStatus
from backoffice.fees.services import compute_period, freeze_period
from tests.fees.conftest import P1, P2, positioned
from tests.migrating import migrated_back

pytestmark = pytest.mark.django_db

BEFORE = [("fees", "0001_initial")]


def test_statements_issued_before_get_the_customer_as_it_stands_when_migrating(site_a, staff_a, finance):
    positioned(site_a, staff_a, P1[0] + dt.timedelta(days=3))
    freeze_period(compute_period(*P1, actor=finance), actor=finance)
    compute_period(*P2, actor=finance)
    with migrated_back(BEFORE) as old:
        old.get_model("accreditation", "Organisation").objects.filter(pk=site_a.organisation_id).update(
            legal_name="Formations du Nord SAS"
        )

    issued = Statement.objects.get(status=StatementStatus.FROZEN)
    assert (issued.customer_name, issued.customer_siren) == (
        "Formations du Nord SAS",
        site_a.organisation.siren,
    )
    assert issued.customer_address == f"{site_a.address}, {site_a.postcode} {site_a.city}"
    line = StatementLine.objects.get(statement=issued, site=site_a)
    assert (line.site_siret, line.site_name) == (site_a.siret, site_a.name)
    draft = Statement.objects.get(status=StatementStatus.DRAFT)
    assert (draft.customer_name, draft.customer_siren, draft.customer_address) == ("", "", "")
