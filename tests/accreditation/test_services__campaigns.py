"""Accreditation campaigns: prepared by Certif'Pro staff, moved through their states in order, audited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accreditation.models import AccreditationCampaign, CampaignStatus, Certification
from accreditation.selectors import campaigns_for
from accreditation.services import add_criterion, create_campaign, move_campaign
from backoffice.core.audit.events import timeline

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()
DAY = dt.timedelta(days=1)


def draft(actor, **overrides):
    values = {
        "name": "Campagne CléA Numérique 2027",
        "certifications": Certification.objects.filter(code="CLEA_NUM"),
        "opens_evaluator": True,
        "opens_trainer": True,
        "audience": "both",
        "opens_on": TODAY,
        "deadline": TODAY + 30 * DAY,
        "board_on": TODAY + 60 * DAY,
        "fee_per_application": Decimal("300"),
        "fee_per_site": Decimal("150"),
        "criteria": [("Qualification des évaluateurs", 5), ("Outils d'évaluation", 10)],
    }
    return create_campaign(**{**values, **overrides}, actor=actor)


def test_officer_prepares_a_draft_with_its_review_grid(officer):
    campaign = draft(officer)

    assert campaign.status == CampaignStatus.DRAFT
    assert list(campaign.criteria.values_list("position", "label", "max_score")) == [
        (1, "Qualification des évaluateurs", 5),
        (2, "Outils d'évaluation", 10),
    ]
    assert [e.verb for e in timeline(campaign)] == ["campaign.created"]


def test_bad_dates_or_no_certification_are_refused_and_nothing_is_saved(officer):
    with pytest.raises(ValidationError) as error:
        draft(officer, deadline=TODAY - DAY, board_on=TODAY - 2 * DAY, certifications=[])
    text = " ".join(error.value.messages)
    assert "ne peut pas précéder l'ouverture" in text
    assert "après la date limite" in text
    assert "au moins une certification" in text
    assert not AccreditationCampaign.objects.exists()


@pytest.mark.parametrize("who", ["evaluator", "jury_member"])
def test_only_certifpro_staff_prepare_campaigns(request, who):
    with pytest.raises(PermissionDenied):
        draft(request.getfixturevalue(who))


def test_the_campaign_moves_through_its_states_in_order_only(supervisor):
    campaign = draft(supervisor)
    with pytest.raises(ValidationError, match="ne peut pas être close"):
        move_campaign(campaign, CampaignStatus.CLOSED, actor=supervisor)
    for status in ("open", "closed", "in_review", "decided", "archived"):
        campaign = move_campaign(campaign, status, actor=supervisor)
        assert campaign.status == status
    assert [e.verb for e in timeline(campaign)][-1] == "campaign.archived"


def test_a_campaign_without_criteria_or_past_its_deadline_does_not_open(officer):
    campaign = draft(officer, criteria=[])
    with pytest.raises(ValidationError, match="au moins un critère"):
        move_campaign(campaign, CampaignStatus.OPEN, actor=officer)
    late = draft(officer, opens_on=TODAY - 40 * DAY, deadline=TODAY - DAY)
    with pytest.raises(ValidationError, match="date limite de dépôt est passée"):
        move_campaign(late, CampaignStatus.OPEN, actor=officer)


def test_the_grid_is_frozen_once_the_campaign_opens(officer):
    campaign = move_campaign(draft(officer), CampaignStatus.OPEN, actor=officer)
    with pytest.raises(ValidationError, match="ne change plus"):
        add_criterion(campaign, label="Nouveau critère", max_score=5, actor=officer)


def test_organisations_see_only_open_campaigns_and_others_none(officer, evaluator, jury_member):
    prepared = draft(officer)
    opened = move_campaign(draft(officer, name="Ouverte"), CampaignStatus.OPEN, actor=officer)

    assert set(campaigns_for(officer)) == {prepared, opened}
    assert list(campaigns_for(evaluator)) == [opened]
    assert not campaigns_for(jury_member).exists()
    assert opened.accepts_applications() and not prepared.accepts_applications()
