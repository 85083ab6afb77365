"""Campaign pages: staff prepare and run campaigns; organisations see the open ones; outsiders get 404."""

from __future__ import annotations

import datetime as dt
from html import unescape

import pytest

from accreditation.models import AccreditationCampaign, CampaignStatus, Certification
from tests.accreditation.test_services__campaigns import draft

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()


def text(response) -> str:
    return unescape(response.content.decode())


def test_officer_prepares_a_campaign_through_the_form(client_for, officer):
    response = client_for(officer).post(
        "/campagnes/nouvelle/",
        {
            "name": "Campagne CléA 2027",
            "certifications": [Certification.objects.get(code="CLEA").pk],
            "opens_evaluator": "on",
            "audience": "both",
            "opens_on": TODAY.isoformat(),
            "deadline": (TODAY + dt.timedelta(days=30)).isoformat(),
            "board_on": (TODAY + dt.timedelta(days=60)).isoformat(),
            "fee_per_application": "20",
            "fee_per_site": "0",
            "criteria": "Qualification des évaluateurs ; 5\nOutils d'évaluation ; 10",
        },
        follow=True,
    )
    page = text(response)
    campaign = AccreditationCampaign.objects.get()
    assert "Campagne CléA 2027 — Brouillon" in page and "Outils d'évaluation" in page
    assert campaign.criteria.count() == 2


def test_a_bad_grid_line_is_refused_in_french(client_for, officer):
    response = client_for(officer).post(
        "/campagnes/nouvelle/",
        {"name": "X", "criteria": "Critère ; beaucoup", "opens_on": TODAY.isoformat()},
    )
    assert "Ligne 1 : la note maximale doit être un nombre entier." in text(response)
    assert not AccreditationCampaign.objects.exists()


def test_staff_open_the_campaign_and_organisations_then_see_it(client_for, officer, evaluator):
    campaign = draft(officer)
    assert client_for(evaluator).get(f"/campagnes/{campaign.pk}/").status_code == 404
    assert campaign.name not in text(client_for(evaluator).get("/campagnes/"))

    response = client_for(officer).post(f"/campagnes/{campaign.pk}/statut/", {"to": "open"}, follow=True)

    assert "Campagne « ouverte »." in text(response)
    page = text(client_for(evaluator).get(f"/campagnes/{campaign.pk}/"))
    assert "Les dépôts sont ouverts" in page and 'id="moves"' not in page


def test_organisation_staff_cannot_prepare_or_move_campaigns(client_for, officer, evaluator):
    campaign = draft(officer)
    client = client_for(evaluator)
    assert client.get("/campagnes/nouvelle/").status_code == 404
    assert client.post(f"/campagnes/{campaign.pk}/statut/", {"to": "open"}).status_code == 404
    assert (
        client.post(f"/campagnes/{campaign.pk}/criteres/", {"label": "x", "max_score": "5"}).status_code
        == 404
    )
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.DRAFT and campaign.criteria.count() == 2


def test_jury_members_have_no_campaign_pages(client_for, officer, jury_member):
    campaign = draft(officer)
    assert client_for(jury_member).get(f"/campagnes/{campaign.pk}/").status_code in (403, 404)


def test_the_campaign_list_runs_a_constant_number_of_queries(
    client_for, officer, django_assert_max_num_queries
):
    client = client_for(officer)
    draft(officer)
    with django_assert_max_num_queries(12) as few:
        client.get("/campagnes/")
    for n in range(5):
        draft(officer, name=f"Campagne {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/campagnes/")
