"""Searching a place while typing: accents and case ignored, current communes first, by index."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backoffice.core.places.rules import search_communes, search_countries, search_key

pytestmark = pytest.mark.django_db


def test_search_key_drops_accents_case_and_punctuation():
    assert search_key("L'Île-Saint-Denis") == "l ile saint denis"
    assert search_key("  ÉVRY ") == "evry"


def test_evry_finds_evry_courcouronnes_among_the_current_communes():
    found = search_communes("evry")

    assert ("91228", "Évry-Courcouronnes", "current") in [(c.code, c.name, c.kind) for c in found]
    assert found[0].kind == "current"  # Évry (89), then Évry-Courcouronnes (91); the former Évry (91) after


def test_a_name_is_found_inside_a_longer_name():
    codes = {c.code for c in search_communes("courcouronnes")}

    assert {"91228", "91182"} <= codes


def test_current_communes_come_before_former_ones():
    kinds = [c.kind for c in search_communes("annecy")]

    assert kinds == sorted(kinds)
    assert kinds[0] == "current"


def test_a_code_prefix_finds_the_communes_of_that_code():
    assert [c.code for c in search_communes("6912")][:1] == ["69120"]
    assert search_communes("2a004")[0].name == "Ajaccio"


def test_results_are_limited():
    assert len(search_communes("saint", limit=20)) == 20


def test_one_query_per_search_of_a_common_prefix():
    with CaptureQueriesContext(connection) as queries:
        search_communes("saint")

    assert len(queries) == 1


def test_countries_are_found_by_name_former_name_or_code_without_france():
    assert search_countries("espa")[0].code == "99134"
    assert search_countries("urss")[0].code == "99123"
    assert search_countries("134")[0].code == "99134"
    assert "99100" not in {c.code for c in search_countries("fran")}
    assert search_countries("tchecoslovaquie")[0].code == "99115"
