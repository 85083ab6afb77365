from __future__ import annotations

from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from backoffice.notifications.models import Notification, Status
from backoffice.surveys.models import Answer, Invitation
from backoffice.surveys.results import Cell, Counts, suppress
from backoffice.surveys.services import send_due_invitations
from casefiles.models import Candidate

from .conftest import SIX_MONTHS

pytestmark = pytest.mark.django_db

URL = "enquetes:results"


def answers(survey, n: int, *, region: str = "IDF", wave: int = 6, situation: str = "salarie") -> None:
    for _ in range(n):
        Answer.objects.create(
            survey=survey,
            wave_months=wave,
            questionnaire=survey.questionnaire,
            certification_code="CLEA",
            region_code=region,
            age_band="26-44",
            status_at_entry="employee",
            answers={"situation": situation, "formation": "non", "utilite": "4"},
        )


def page(client, survey, **params) -> str:
    response = client.get(reverse(URL), {"enquete": survey.pk, **params})
    assert response.status_code == 200
    return unescape(response.content.decode())


def situation_table(text: str) -> str:
    return text[text.index('data-table="situation"') : text.index('data-table="contrat"')]


# Counts and response rate


def test_response_rate_is_answers_over_invitations_sent_as_a_french_percent():
    counts = Counts(sent=40, no_email=3, delivered=38, answered=Cell(17))
    assert counts.rate == "42\u00a0%"
    assert Counts(sent=40, no_email=0, delivered=0, answered=Cell(7, hidden=True)).rate == "< 10"


def test_page_counts_sent_without_email_and_delivered(survey, supervisor, client_for, holders):
    Candidate.objects.filter(case_files__certificate=holders[1]).update(email="")
    send_due_invitations(SIX_MONTHS)
    mine = Invitation.objects.get(no_email=False)
    Notification.objects.filter(key__startswith=f"survey-invitation-{mine.pk}:").update(status=Status.SENT)

    text = page(client_for(supervisor), survey, vague=6)

    assert 'id="sent">1<' in text
    assert 'id="no-email">1<' in text
    assert 'id="delivered">1<' in text
    assert 'id="rate">0\u00a0%<' in text


# Suppression


def test_a_cell_of_9_answers_is_suppressed_and_so_is_the_cell_that_would_give_it_back(
    survey, supervisor, client_for
):
    answers(survey, 9, region="IDF")
    answers(survey, 10, region="ARA")

    table = situation_table(page(client_for(supervisor), survey, par="region"))

    assert ">9<" not in table and ">9 (" not in table
    assert table.count("< 10") >= 3  # IDF's cell and total, then ARA's 10 (19 − 10 would give 9)
    assert ">10 (" not in table
    assert ">19 (100" in table  # the « Ensemble » row stays: it is 19 people


def test_a_cell_of_10_answers_is_shown_with_its_share(survey, supervisor, client_for):
    answers(survey, 10, region="IDF")

    table = situation_table(page(client_for(supervisor), survey, par="region"))

    assert ">10 (100\u00a0%)" in table
    assert "< 10" not in table


def test_complementary_rule_hides_a_second_cell_of_a_row_with_one_hidden():
    assert suppress([[9, 15, 24]], has_margin_row=False) == [[True, True, False]]
    assert suppress([[10, 15, 25]], has_margin_row=False) == [[False, False, False]]
    # a column of two rows and its « Ensemble »: the 12 below the hidden 9 is hidden too
    hidden = suppress([[9, 15, 24], [12, 20, 32], [21, 35, 56]], has_margin_row=True)
    assert hidden[0][0] and hidden[0][1] and hidden[1][0] and hidden[1][1]
    for members in ([row for row in hidden], list(zip(*hidden, strict=True))):
        assert all(sum(line) != 1 for line in members)


# Scope


def test_regional_officer_sees_only_their_region_even_in_totals(survey, officer, client_for):
    answers(survey, 12, region="IDF")
    answers(survey, 30, region="ARA", situation="formation")
    send_due_invitations(SIX_MONTHS)  # the two holders are in Île-de-France

    text = page(client_for(officer), survey)

    assert 'id="answered">12<' in text
    assert 'id="sent">2<' in text
    assert "30" not in situation_table(text) and "42" not in situation_table(text)


def test_officer_of_other_region_never_counts_the_invitations_or_answers_of_another(
    survey, officer_of_other_region, client_for
):
    answers(survey, 12, region="IDF")
    send_due_invitations(SIX_MONTHS)

    text = page(client_for(officer_of_other_region), survey)

    assert 'id="answered">—<' in text
    assert 'id="sent">0<' in text


def test_officer_asking_for_another_region_gets_no_figures(survey, officer, ara, client_for):
    answers(survey, 12, region="ARA")

    text = page(client_for(officer), survey, region=ara.pk)

    assert 'id="answered"' not in text


def test_evaluator_is_refused(survey, evaluator, client_for):
    response = client_for(evaluator).get(reverse(URL), {"enquete": survey.pk})
    assert response.status_code in (403, 404)
    export = client_for(evaluator).get(reverse("enquetes:results_export", args=["csv"]))
    assert export.status_code in (403, 404)


# Export


def test_export_writes_suppressed_cells_as_less_than_10(survey, supervisor, client_for):
    answers(survey, 9, region="IDF")
    answers(survey, 10, region="ARA", situation="formation")

    response = client_for(supervisor).get(
        reverse("enquetes:results_export", args=["csv"]), {"enquete": survey.pk, "par": "region"}
    )

    assert response.status_code == 200
    content = response.content.decode("utf-8-sig")
    assert "< 10" in content
    assert ";9;" not in content
    xlsx = client_for(supervisor).get(
        reverse("enquetes:results_export", args=["xlsx"]), {"enquete": survey.pk}
    )
    assert xlsx.status_code == 200


# Query count


def test_the_page_runs_the_same_number_of_queries_whatever_the_answers(survey, supervisor, client_for):
    client = client_for(supervisor)
    answers(survey, 10, region="IDF")
    page(client, survey)  # warm the session and caches
    with CaptureQueriesContext(connection) as few:
        page(client, survey)
    answers(survey, 60, region="ARA", situation="formation")
    answers(survey, 30, region="IDF", wave=12)
    with CaptureQueriesContext(connection) as many:
        page(client, survey)
    assert len(many) == len(few) <= 20


# 6 vs 12 months


def test_comparison_appears_only_when_both_waves_have_10_answers(survey, supervisor, client_for):
    answers(survey, 10, wave=6)
    answers(survey, 9, wave=12)
    client = client_for(supervisor)

    text = page(client, survey)
    assert "À 12 mois" not in text[text.index('id="comparison"') :]

    answers(survey, 1, wave=12)
    text = page(client, survey)
    comparison = text[text.index('id="comparison"') :]
    assert "À 6 mois" in comparison and "À 12 mois" in comparison
