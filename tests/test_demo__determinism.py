"""The demo is reproducible: the same seed gives the same organisations, people, files and certificates."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction

from accreditation.models import Site
from casefiles.models import CaseFile, Certificate
from fixtures.demo import seed_demo
from fixtures.demo.world import Scale

pytestmark = pytest.mark.django_db
TINY = Scale(organisations=4, files=40, regions=("IDF",), lapsed_cohorts=1)


def _snapshot(seed: int) -> list[tuple[str, str]]:
    with transaction.atomic():
        seed_demo(scale=TINY, seed=seed, today=dt.date(2026, 11, 26))
        data = sorted(Site.objects.values_list("siret", "name"))
        data += sorted(CaseFile.objects.values_list("candidate__last_name", "state"))
        data += sorted(Certificate.objects.values_list("number", "holder_last_name"))
        transaction.set_rollback(True)
    return data


def test_the_same_seed_gives_the_same_data_and_another_seed_other_data():
    first = _snapshot(5)
    assert len(first) > 40
    assert _snapshot(5) == first
    assert _snapshot(6) != first
