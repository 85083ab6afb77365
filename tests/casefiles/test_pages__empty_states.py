"""An empty list says what to do next, with the link when the person may do it."""

from __future__ import annotations

from html import unescape

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def text(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return unescape(response.content.decode())


def test_an_evaluator_without_files_is_invited_to_open_one_or_import_a_file(client_for, evaluator):
    page = text(client_for(evaluator), reverse("candidats:dossiers:index"))

    assert "Aucun dossier." in page
    assert f'href="{reverse("parcours:open_file:execute")}">Ouvrez un dossier candidat' in page
    assert f'href="{reverse("imports:index")}">importez un fichier' in page


def test_an_officer_reads_the_empty_list_without_links_they_may_not_follow(client_for, officer):
    page = text(client_for(officer), reverse("candidats:dossiers:index"))

    assert "Aucun dossier." in page and "Ouvrez un dossier candidat" not in page


def test_an_officer_without_sessions_is_invited_to_plan_one(client_for, officer):
    page = text(client_for(officer), reverse("jurys:index"))

    assert "Aucune session." in page and f'href="{reverse("jurys:plan")}">Planifiez une session' in page
