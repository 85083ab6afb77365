"""`manage.py bench_fees` on a small year: every measure printed, and nothing left behind — issued statements
included, whose lines the database itself refuses to delete otherwise (fees 0003)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from accreditation.models import Organisation
from backoffice.fees.models import FeePeriod, Statement, StatementLine
from casefiles.models import CaseFile
from fixtures.reference import load_reference_data

pytestmark = pytest.mark.django_db


def test_it_prints_each_measure_and_removes_what_it_created():
    load_reference_data()
    organisations = Organisation.objects.count()
    out = StringIO()

    call_command("bench_fees", "--organisations", "4", "--positionings", "40", stdout=out)

    printed = out.getvalue()
    for measure in ("calcul (brouillon)", "émission", "fichier comptable (CSV)", "PDF du plus gros relevé"):
        assert f"| {measure}" in printed, printed
    assert "Fichier comptable :" in printed and "Nettoyé" in printed
    assert not (Statement.objects.exists() or StatementLine.objects.exists() or FeePeriod.objects.exists())
    assert not CaseFile.objects.exists() and Organisation.objects.count() == organisations
