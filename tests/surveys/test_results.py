from __future__ import annotations

import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accreditation.services import set_user_scope
from backoffice.core.accounts.roles import Role
from backoffice.notifications.models import Notification, Status
from backoffice.surveys.models import Answer, Invitation
from backoffice.surveys.results import Cell, Counts
from backoffice.surveys.services import send_due_invitations
from backoffice.surveys.suppression import suppress
from casefiles.models import Candidate
from tests.factories import UserFactory

from .conftest import SIX_MONTHS

pytestmark = pytest.mark.django_db

URL = "enquetes:results"


def answers(
    survey,
    n: int,
    *,
    region: str = "IDF",
    wave: int = 6,
    situation: str = "salarie",
    certification: str = "CLEA",
    comment: str = "",
    **cells: str,
) -> None:
    """`n` answers as the questionnaire takes them (a salaried person says their contract and hours)."""
    given = {"situation": situation, "formation": "non", "utilite": "4"}
    if situation == "salarie":
        given["contrat"] = "cdi"
    if situation in ("salarie", "independant"):
        given["temps"] = "plein"
    if comment:
        given["commentaire"] = comment
    for _ in range(n):
        Answer.objects.create(
            survey=survey,
            wave_months=wave,
            questionnaire=survey.questionnaire,
            certification_code=certification,
            region_code=region,
            age_band=cells.get("age_band", "30-44"),
            status_at_entry=cells.get("status_at_entry", "employee"),
            sex=cells.get("sex", "F"),
            answers=given,
        )


def page(client, survey, **params) -> str:
    response = client.get(reverse(URL), {"enquete": survey.pk, **params})
    assert response.status_code == 200
    return unescape(response.content.decode())


def table(text: str, key: str) -> str:
    """The HTML of one question's table (the distributions, not the comparison)."""
    start = text.index(f'data-table="{key}"')
    return text[start : text.index("</table>", start)]


def situation_table(text: str) -> str:
    return table(text, "situation")


def row_of(html: str, label: str) -> str:
    start = html.index(f'<th scope="row">{label}</th>')
    return html[start : html.index("</tr>", start)]


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


# Suppression across the page's tables and between filters


IDF, ARA = "Île-de-France", "Auvergne-Rhône-Alpes"


def test_a_conditional_questions_total_is_hidden_with_the_parent_cell_it_equals(
    survey, supervisor, client_for
):
    # In Île-de-France, 12 salaried (asked their contract) and 5 in training.
    answers(survey, 12, region="IDF", situation="salarie")
    answers(survey, 5, region="IDF", situation="formation")

    text = page(client_for(supervisor), survey, par="region")

    situation = row_of(table(text, "situation"), IDF)
    assert ">12" not in situation  # hidden with the 5: 17 − 12 would give it back
    contract = row_of(table(text, "contrat"), IDF)
    assert ">12" not in contract  # « contrat »'s total is those 12 salaried: hidden too, and its cell
    assert contract.count("< 10") == 6  # its total, its 12 and the row's zeros (hidden with them)


def test_a_parent_cell_is_hidden_with_the_conditional_total_it_equals(survey, supervisor, client_for):
    # « temps » is asked of the salaried and self-employed: 30 in ARA, 5 in IDF (with 20 in training).
    answers(survey, 30, region="ARA", situation="salarie")
    answers(survey, 5, region="IDF", situation="independant")
    answers(survey, 20, region="IDF", situation="formation")

    text = page(client_for(supervisor), survey, par="region")

    assert ">35" in row_of(table(text, "temps"), "Ensemble")
    assert ">30" not in row_of(table(text, "temps"), ARA)  # hidden, else 35 − 30 gives IDF's 5
    # ARA's salaried and self-employed are those 30 people: hidden in « situation » too.
    assert ">30" not in row_of(table(text, "situation"), ARA)


def test_a_filtered_view_hides_what_the_unfiltered_view_minus_it_gives_back(
    survey, supervisor, client_for, clea
):
    answers(survey, 12, region="IDF")
    answers(survey, 3, region="IDF", certification="CLEA_NUMERIQUE")
    client = client_for(supervisor)

    unfiltered = page(client, survey, par="region")
    filtered = page(client, survey, par="region", certification=clea.pk)

    assert ">15 (" in row_of(situation_table(unfiltered), IDF)
    assert ">12" not in row_of(situation_table(filtered), IDF)  # 15 − 12 would give the 3 others
    assert "< 10" in row_of(situation_table(filtered), IDF)
    assert 'id="answered">< 10<' in filtered


def test_a_region_filter_hides_what_the_national_view_minus_it_gives_back(
    survey, supervisor, client_for, idf
):
    answers(survey, 12, region="IDF")
    answers(survey, 4, region="ARA")
    client = client_for(supervisor)

    unfiltered = page(client, survey, par="certification")
    filtered = page(client, survey, par="certification", region=idf.pk)

    assert ">16 (" in situation_table(unfiltered)
    assert ">12" not in situation_table(filtered)


def test_a_filter_leaves_a_cell_whose_complement_is_10_or_more(survey, supervisor, client_for, clea):
    answers(survey, 12, region="IDF")
    answers(survey, 10, region="IDF", certification="CLEA_NUMERIQUE")

    filtered = page(client_for(supervisor), survey, par="region", certification=clea.pk)

    assert ">12 (100" in row_of(situation_table(filtered), IDF)


# Names, never codes


@pytest.mark.parametrize(
    "par, cells, label, code",
    [
        ("region", {}, IDF, "IDF"),
        ("certification", {}, None, "CLEA"),
        ("age", {"age_band": "25-29"}, "25 à 29 ans", "25-29"),
        ("age", {"age_band": "<25"}, "Moins de 25 ans", "<25"),
        ("age", {"age_band": "26-44"}, "26 à 44 ans (anciennes tranches)", "26-44"),
        ("statut", {"status_at_entry": "jobseeker"}, "Demandeur·se d'emploi", "jobseeker"),
        ("statut", {"status_at_entry": ""}, "Non renseigné", ""),
        ("sexe", {"sex": "M"}, "Homme", "M"),
    ],
)
def test_rows_are_named_in_french_on_the_page_and_in_the_export(
    survey, supervisor, client_for, clea, par, cells, label, code
):
    label = label or clea.name
    answers(survey, 10, **cells)
    client = client_for(supervisor)

    text = page(client, survey, par=par)
    export = client.get(
        reverse("enquetes:results_export", args=["csv"]), {"enquete": survey.pk, "par": par}
    ).content.decode("utf-8-sig")

    assert f'<th scope="row">{label}</th>' in situation_table(text)
    assert f";{label};" in export
    if code:
        assert f";{code};" not in export and f">{code}<" not in situation_table(text)


# Free comments


def comments_of(text: str) -> str:
    return text[text.index('id="comments"') :] if 'id="comments"' in text else ""


def test_supervisors_read_the_comments_shuffled_under_a_warning_and_never_in_the_export(
    survey, supervisor, client_for
):
    for n in range(12):
        answers(survey, 1, comment=f"Commentaire numéro {n:02d}")
    client = client_for(supervisor)

    section = comments_of(page(client, survey))
    export = client.get(reverse("enquetes:results_export", args=["csv"]), {"enquete": survey.pk})

    assert "peuvent permettre de reconnaître leur auteur·rice" in section
    assert "ne les copiez pas hors du back-office" in section
    shown = re.findall(r"<li>Commentaire numéro (\d\d)</li>", section)
    assert sorted(shown) == [f"{n:02d}" for n in range(12)]
    assert shown != sorted(shown)  # not in the order they came (one chance in 479 million)
    assert "Commentaire" not in export.content.decode("utf-8-sig")


def test_comments_wait_for_10_answers(survey, supervisor, client_for):
    answers(survey, 9, comment="Trop peu nombreux pour être lus")

    section = comments_of(page(client_for(supervisor), survey))

    assert "au moins 10 réponses" in section
    assert "Trop peu nombreux" not in section


def test_a_case_officer_reads_no_comment(survey, officer, client_for):
    answers(survey, 12, comment="Réservé aux superviseur·es")

    text = page(client_for(officer), survey)

    assert 'id="answered">12<' in text
    assert not comments_of(text) and "Réservé aux" not in text


def test_a_regional_supervisor_reads_only_their_regions_comments(survey, idf, client_for):
    regional = UserFactory(username="supervisor.idf", role=Role.SUPERVISOR)
    set_user_scope(regional, regions=[idf], actor=None)
    answers(survey, 10, region="IDF", comment="Depuis Paris")
    answers(survey, 10, region="ARA", comment="Depuis Lyon")

    section = comments_of(page(client_for(regional), survey))

    assert section.count("Depuis Paris") == 10
    assert "Depuis Lyon" not in section


def test_comments_are_shown_only_on_the_unfiltered_view_never_narrowed_by_a_filter(
    survey, supervisor, client_for, clea
):
    # 12 CléA answers and 3 of another certification: the CléA view's comments, taken from the whole
    # view's, would leave the 3 others'.
    answers(survey, 12, comment="Depuis CléA")
    answers(survey, 3, certification="CLEA_NUMERIQUE", comment="Depuis le numérique")
    client = client_for(supervisor)

    whole = comments_of(page(client, survey))
    filtered = comments_of(page(client, survey, certification=clea.pk))

    assert whole.count("Depuis CléA") == 12 and whole.count("Depuis le numérique") == 3
    assert "Depuis" not in filtered
    assert "Les commentaires s'affichent sans filtre" in filtered


def test_a_regional_supervisor_choosing_their_own_region_reads_the_comments(survey, idf, client_for):
    regional = UserFactory(username="supervisor.idf", role=Role.SUPERVISOR)
    set_user_scope(regional, regions=[idf], actor=None)
    answers(survey, 10, region="IDF", comment="Depuis Paris")

    section = comments_of(page(client_for(regional), survey, region=idf.pk))

    assert section.count("Depuis Paris") == 10
