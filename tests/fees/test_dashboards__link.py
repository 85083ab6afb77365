"""The dashboards lead to the fees only those who may read them (finance: national supervisors, admins)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_fees_link_is_finances_only(officer, supervisor):
    client = Client()
    client.force_login(officer)
    page = client.get(reverse("tableaux-de-bord:backlog")).content.decode()
    assert "Stocks et retards" in page and reverse("redevances:dashboard") not in page
    client.force_login(supervisor)
    page = client.get(reverse("tableaux-de-bord:backlog")).content.decode()
    assert reverse("redevances:dashboard") in page
