"""The back-office pages of the surveys (/enquetes/): supervisors and administrators define a survey, start
it and see each wave's counts; anyone else gets a 404."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from django.urls import reverse

from backoffice.core.audit.models import AuditEvent
from backoffice.surveys import services
from backoffice.surveys.models import Questionnaire, Survey, SurveyStatus

from .conftest import SIX_MONTHS

pytestmark = pytest.mark.django_db


def form_data(clea, idf, **changes):  # type: ignore[no-untyped-def]
    data = {
        "title": "CléA : où en sont-ils ?",
        "certifications": [clea.pk],
        "regions": [idf.pk],
        "awarded_from": "2025-01-01",
        "awarded_to": "2025-12-31",
        "delays": "6, 12",
    }
    return {**data, **changes}


def test_supervisor_creates_a_draft_survey_with_waves_at_6_and_12_months(client_for, supervisor, clea, idf):
    response = client_for(supervisor).post(reverse("enquetes:create"), form_data(clea, idf))

    assert response.status_code == 302
    survey = Survey.objects.get()
    assert survey.status == SurveyStatus.DRAFT
    assert survey.delays == [6, 12]
    assert list(survey.regions.all()) == [idf]
    assert survey.questionnaire == Questionnaire.objects.order_by("-version").first()
    assert AuditEvent.objects.filter(verb="survey.created").exists()


def test_the_form_offers_6_and_12_months_by_default(client_for, supervisor):
    response = client_for(supervisor).get(reverse("enquetes:create"))

    assert response.status_code == 200
    assert 'value="6, 12"' in response.content.decode()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"awarded_from": "2026-01-01"}, "La fin de la période d'attribution précède son début."),
        ({"delays": "6, treize"}, "Indiquez des nombres de mois entre 1 et 60"),
        ({"certifications": []}, "Choisissez au moins une certification."),
    ],
)
def test_bad_input_is_refused_in_french(client_for, supervisor, clea, idf, changes, message):
    response = client_for(supervisor).post(reverse("enquetes:create"), form_data(clea, idf, **changes))

    assert response.status_code == 200
    assert message in html.unescape(response.content.decode())
    assert not Survey.objects.exists()


def test_supervisor_starts_a_draft_and_a_second_start_is_refused(client_for, supervisor, clea):
    survey = services.create_survey(
        title="Essai",
        questionnaire=Questionnaire.objects.get(version=1),
        certifications=[clea],
        awarded_from=dt.date(2025, 1, 1),
        awarded_to=dt.date(2025, 12, 31),
        actor=supervisor,
    )
    client = client_for(supervisor)

    first = client.post(reverse("enquetes:start", args=[survey.pk]), follow=True)
    second = client.post(reverse("enquetes:start", args=[survey.pk]), follow=True)

    survey.refresh_from_db()
    assert survey.status == SurveyStatus.RUNNING
    assert "lancée" in first.content.decode()
    assert "Seule une enquête en brouillon peut être lancée." in second.content.decode()
    assert AuditEvent.objects.filter(verb="survey.started").count() == 1


def test_the_list_shows_each_wave_counts(client_for, administrator, survey, django_assert_max_num_queries):
    services.send_due_invitations(SIX_MONTHS)
    client = client_for(administrator)

    with django_assert_max_num_queries(15):
        response = client.get(reverse("enquetes:index"))

    page = response.content.decode()
    assert response.status_code == 200
    assert "6 mois : 2 invité·es, 0 sans e-mail, 0 réponse" in page
    assert "12 mois : 0 invité·es, 0 sans e-mail, 0 réponse" in page


@pytest.mark.parametrize(("persona", "refused"), [("officer", 404), ("evaluator", 403)])
def test_officer_gets_404_and_evaluator_403_and_nothing_changes(
    client_for, request, persona, refused, supervisor, clea, idf
):
    survey = services.create_survey(
        title="Essai",
        questionnaire=Questionnaire.objects.get(version=1),
        certifications=[clea],
        awarded_from=dt.date(2025, 1, 1),
        awarded_to=dt.date(2025, 12, 31),
        actor=supervisor,
    )
    client = client_for(request.getfixturevalue(persona))

    assert client.get(reverse("enquetes:create")).status_code == refused
    assert client.post(reverse("enquetes:create"), form_data(clea, idf)).status_code == refused
    assert client.post(reverse("enquetes:start", args=[survey.pk])).status_code == refused
    survey.refresh_from_db()
    assert survey.status == SurveyStatus.DRAFT
    assert Survey.objects.count() == 1


def test_a_regional_officer_is_sent_from_the_list_to_the_results(client_for, officer):
    response = client_for(officer).get(reverse("enquetes:index"))

    assert response.status_code == 302
    assert response["Location"] == reverse("enquetes:results")
