"""The suggestions proposed while typing: JSON for signed-in people only."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_officer_gets_communes_matching_a_name(client_for, officer, django_assert_max_num_queries):
    client = client_for(officer)

    with django_assert_max_num_queries(8):  # the session and the user, then one search (two at most)
        response = client.get(reverse("places:communes"), {"q": "Lyon"})

    assert response.status_code == 200
    assert {"code": "69123", "label": "Lyon (69)"} in response.json()["results"]
    assert len(response.json()["results"]) <= 20


def test_officer_gets_countries_matching_a_name(client_for, officer):
    response = client_for(officer).get(reverse("places:pays"), {"q": "maroc"})

    assert response.json()["results"] == [{"code": "99350", "label": "Maroc"}]


def test_a_former_place_says_so(client_for, officer):
    results = client_for(officer).get(reverse("places:pays"), {"q": "tchecoslo"}).json()["results"]

    assert results == [{"code": "99115", "label": "Tchécoslovaquie · ancien pays"}]


@pytest.mark.parametrize("name", ["places:communes", "places:pays"])
def test_anonymous_visitor_is_sent_to_login(client, name):
    response = client.get(reverse(name), {"q": "lyon"})

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_urls_are_under_lieux():
    assert reverse("places:communes") == "/lieux/communes/"
    assert reverse("places:pays") == "/lieux/pays/"
