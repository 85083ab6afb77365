"""The file-opening form (the pathway's start view): one person, one record whatever the spelling; a name
whose letters an export lost is refused with the way out; the funding is chosen from the list, with a note."""

from __future__ import annotations

import datetime as dt
from html import unescape

import pytest

from casefiles.models import Candidate, CaseFile, CaseFileState
from tests.workflows.test_flow__pathway_http import open_file

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()


def _post(client, site, clea, **changes):  # type: ignore[no-untyped-def]
    data = {
        "site": site.pk,
        "certification": clea.pk,
        "opened_on": (TODAY - dt.timedelta(days=2)).isoformat(),
        "last_name": "Diallo",
        "first_name": "Awa",
        "birth_date": "1998-03-12",
        "postcode": "93200",
        "status": "jobseeker",
        **changes,
    }
    return client.post("/parcours/open_file/", data)


def test_the_form_reuses_the_record_of_a_known_person_typed_otherwise(client_for, evaluator, idf_site, clea):
    client = client_for(evaluator)
    first = open_file(client, idf_site, clea)
    CaseFile.objects.filter(pk=first.pk).update(state=CaseFileState.ABANDONED)

    response = _post(client, idf_site, clea, last_name="DI-ALLO", first_name="awa", funding="pro_a")

    assert response.status_code == 302
    assert Candidate.objects.count() == 1
    second = CaseFile.objects.exclude(pk=first.pk).get()
    assert second.candidate_id == first.candidate_id and second.funding == "pro_a"


def test_the_form_refuses_a_second_open_file_for_the_person_typed_otherwise(
    client_for, evaluator, idf_site, clea
):
    client = client_for(evaluator)
    open_file(client, idf_site, clea)

    response = _post(client, idf_site, clea, last_name="DIALLÓ", first_name="A-wa")

    assert response.status_code == 200
    assert "DIALLO Awa a déjà un dossier ouvert" in unescape(response.content.decode())
    assert (Candidate.objects.count(), CaseFile.objects.count()) == (1, 1)


def test_the_form_refuses_a_name_whose_letters_were_lost_with_the_way_out(
    client_for, evaluator, idf_site, clea
):
    response = _post(client_for(evaluator), idf_site, clea, last_name="Nguy?n")

    assert response.status_code == 200
    assert "enregistrez le fichier en CSV UTF-8" in unescape(response.content.decode())
    assert not Candidate.objects.exists()


def test_the_form_offers_the_fundings_of_the_list_only(client_for, evaluator, idf_site, clea):
    response = _post(client_for(evaluator), idf_site, clea, funding="Bon cadeau")

    assert response.status_code == 200
    assert "funding" in response.context["form"].errors
    assert not CaseFile.objects.exists()


def test_the_form_keeps_the_funding_note_and_the_file_page_shows_it_beside_the_funding(
    client_for, evaluator, idf_site, clea
):
    client = client_for(evaluator)

    response = _post(client, idf_site, clea, funding="other", funding_note="Agefiph")

    assert response.status_code == 302
    case_file = CaseFile.objects.get()
    assert (case_file.funding, case_file.funding_note) == ("other", "Agefiph")
    page = unescape(client.get(f"/candidats/dossiers/{case_file.pk}/detail/").content.decode())
    assert "Financement : Autre (Agefiph)" in page


def test_the_form_refuses_a_funding_note_longer_than_100_characters(client_for, evaluator, idf_site, clea):
    response = _post(client_for(evaluator), idf_site, clea, funding="opco", funding_note="x" * 101)

    assert response.status_code == 200
    assert "funding_note" in response.context["form"].errors
    assert not CaseFile.objects.exists()
