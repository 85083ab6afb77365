"""The geography is reference data: loaded with the rest, idempotent, one query when already there."""

from __future__ import annotations

import time

import pytest

from backoffice.core.places.loading import load_places
from backoffice.core.places.models import Commune, Country, PlaceDataset, PlaceKind
from fixtures.reference import DATA_DIR, load_reference_data

pytestmark = pytest.mark.django_db

COMMUNES = DATA_DIR / "places" / "communes.csv.gz"
COUNTRIES = DATA_DIR / "places" / "pays.csv"


def test_communes_current_and_former_and_countries_are_loaded():
    assert Commune.objects.filter(kind=PlaceKind.CURRENT).count() > 34_000
    assert Commune.objects.filter(kind=PlaceKind.DISTRICT).count() == 45  # Paris 20, Marseille 16, Lyon 9
    assert Commune.objects.filter(kind=PlaceKind.FORMER).count() > 4_000
    assert Country.objects.get(code="99134").name == "Espagne"
    assert Country.objects.get(code="99350").name == "Maroc"
    assert Country.objects.get(code="99100").name == "France"


def test_the_report_counts_the_rows_of_the_files():
    report = load_reference_data()

    assert report.communes == Commune.objects.count() > 39_000
    assert report.countries == Country.objects.count() == 237


def test_loading_again_changes_nothing_and_costs_one_query(django_assert_num_queries):
    before = Commune.objects.count(), Country.objects.count()

    with django_assert_num_queries(3):  # savepoint, the versions, savepoint release
        report = load_places(COMMUNES, COUNTRIES)

    assert not report.communes_loaded and not report.countries_loaded
    assert (Commune.objects.count(), Country.objects.count()) == before


def test_empty_tables_are_filled_again_quickly():
    Commune.objects.all().delete()
    Country.objects.all().delete()
    PlaceDataset.objects.all().delete()

    started = time.perf_counter()
    report = load_places(COMMUNES, COUNTRIES)
    elapsed = time.perf_counter() - started

    assert report.communes_loaded and report.countries_loaded
    assert Commune.objects.count() == report.communes
    assert Country.objects.count() == report.countries
    assert elapsed < 5  # about 0.3 s on PostgreSQL (COPY); generous for a loaded CI machine


def test_a_changed_file_replaces_the_rows_of_that_file_only():
    PlaceDataset.objects.filter(name="countries").update(sha256="an older version")
    Country.objects.filter(code="99134").update(name="Espagne (ancien libellé)")
    commune_ids = set(Commune.objects.values_list("id", flat=True)[:10])

    report = load_places(COMMUNES, COUNTRIES)

    assert report.countries_loaded and not report.communes_loaded
    assert Country.objects.get(code="99134").name == "Espagne"
    assert set(Commune.objects.filter(id__in=commune_ids).values_list("id", flat=True)) == commune_ids
