"""Jury pages through HTTP: planning, the region's sessions only, declarations, votes, closing."""

from __future__ import annotations

from html import unescape

import pytest

from accreditation.services import set_user_scope
from backoffice.core.accounts.roles import Role
from casefiles.models import CaseFileState, Certificate, Decision, JurySession, JurySessionStatus
from tests.casefiles.conftest import TODAY, ready_file
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def jury_of_other_region(ara):
    user = UserFactory(username="jury.ara", role=Role.JURY_MEMBER)
    set_user_scope(user, regions=[ara], actor=None)
    return user


def text(response) -> str:
    return unescape(response.content.decode())


def open_everyone(client, session):
    present = [str(pk) for pk in session.members.values_list("pk", flat=True)]
    return client.post(f"/jurys/{session.pk}/ouvrir/", {"present": present}, follow=True)


def vote(client, session, item, choice, reason=""):
    client.post(f"/jurys/dossiers/{item.pk}/declaration/", {"recused": "0"})
    seats = list(session.members.all())
    votes = {f"vote_{m.pk}": choice for m in seats}
    stated = [m.pk for m in seats]
    return client.post(
        f"/jurys/dossiers/{item.pk}/decision/", {**votes, "stated": stated, "reason": reason}, follow=True
    )


def test_officer_plans_a_session_and_its_agenda_holds_the_files_due(
    client_for, officer, idf, jury_member, employee_member, two_ready_files
):
    response = client_for(officer).post(
        "/jurys/planifier/",
        {
            "region": idf.pk,
            "held_on": TODAY.isoformat(),
            "place": "Paris",
            "employers": [jury_member.pk],
            "employees": [employee_member.pk],
            "president": jury_member.pk,
        },
        follow=True,
    )
    page = text(response)
    session = JurySession.objects.get()
    assert f"Ordre du jour ({len(two_ready_files)})" in page
    assert "BERNARD Inès" in page and "MOREAU Inès" in page
    assert session.members.get(is_president=True).user == jury_member


def test_a_session_without_both_colleges_is_refused_with_a_french_message(
    client_for, officer, idf, jury_member, two_ready_files
):
    response = client_for(officer).post(
        "/jurys/planifier/",
        {
            "region": idf.pk,
            "held_on": TODAY.isoformat(),
            "place": "Paris",
            "employers": [jury_member.pk],
            "employees": [jury_member.pk],
            "president": jury_member.pk,
        },
    )
    assert response.status_code == 200
    page = text(response)
    assert "Un membre ne siège qu'une fois, dans un seul collège." in page
    assert not JurySession.objects.exists()


def test_a_member_runs_the_session_from_opening_to_the_certificates(client_for, session, jury_member):
    client = client_for(jury_member)
    assert "La session est ouverte." in text(open_everyone(client, session))
    first, second = session.agenda.order_by("id")

    # The file stays hidden until the member declares no conflict of interest.
    page = text(client.get(f"/jurys/dossiers/{first.pk}/"))
    assert "Je déclare n'avoir aucun conflit d'intérêts" in page and 'id="grid"' not in page
    assert "La décision est enregistrée." in text(vote(client, session, first, Decision.AWARD))
    assert "La décision est enregistrée." in text(vote(client, session, second, Decision.REFUSE, "Fraude"))

    response = client.post(f"/jurys/{session.pk}/clore/", follow=True)

    assert "La session est close" in text(response)
    session.refresh_from_db()
    assert session.status == JurySessionStatus.CLOSED
    assert client.get(f"/jurys/{session.pk}/proces-verbal.pdf").status_code == 200
    certificate = Certificate.objects.get()
    assert certificate.case_file == first.case_file
    second.case_file.refresh_from_db()
    assert second.case_file.state == CaseFileState.REFUSED


def test_refusals_come_back_as_french_messages_and_change_nothing(client_for, session, jury_member):
    client = client_for(jury_member)
    first = session.agenda.order_by("id").first()
    assert "La session n'est pas encore ouverte." in text(
        client.post(f"/jurys/dossiers/{first.pk}/declaration/", {"recused": "0"}, follow=True)
    )
    open_everyone(client, session)
    assert "motif est obligatoire" in text(vote(client, session, first, Decision.RETURN))
    vote(client, session, first, Decision.AWARD)
    assert "déjà fait l'objet d'une décision" in text(vote(client, session, first, Decision.REFUSE, "x"))
    assert "attendent encore une décision" in text(client.post(f"/jurys/{session.pk}/clore/", follow=True))
    first.refresh_from_db()
    assert first.decision == Decision.AWARD


def test_a_recused_member_cannot_decide(client_for, session, jury_member, employee_member):
    open_everyone(client_for(jury_member), session)
    client = client_for(employee_member)
    item = session.agenda.first()
    client.post(f"/jurys/dossiers/{item.pk}/declaration/", {"recused": "1"})
    votes = {f"vote_{m.pk}": Decision.AWARD for m in session.members.all()}
    response = client.post(f"/jurys/dossiers/{item.pk}/decision/", {**votes, "reason": ""}, follow=True)
    assert "Déclarez l'absence de conflit d'intérêts" in text(response)
    item.refresh_from_db()
    assert item.decision == ""


def test_without_a_majority_the_page_offers_a_second_round_or_an_adjournment(
    client_for, officer, idf, jury_member, employee_member, third_member, two_ready_files
):
    from casefiles.services import plan_session

    session = plan_session(
        region=idf,
        held_on=TODAY,
        place="Paris",
        remote=False,
        members=[(jury_member, "employers"), (employee_member, "employees"), (third_member, "employees")],
        president=jury_member,
        actor=officer,
    )
    client = client_for(jury_member)
    open_everyone(client, session)
    item, other = session.agenda.order_by("id")
    client.post(f"/jurys/dossiers/{item.pk}/declaration/", {"recused": "0"})
    seats = {m.user_id: m.pk for m in session.members.all()}
    split = {  # 1/1/1: no two-way tie, the president does not decide alone
        f"vote_{seats[jury_member.pk]}": Decision.AWARD,
        f"vote_{seats[employee_member.pk]}": Decision.RETURN,
        f"vote_{seats[third_member.pk]}": Decision.REFUSE,
    }

    page = text(
        client.post(
            f"/jurys/dossiers/{item.pk}/decision/",
            {**split, "stated": list(seats.values()), "reason": "Grille incomplète"},
            follow=True,
        )
    )

    assert "Aucune majorité : rien n'est décidé." in page
    assert "Aucune majorité au 1er tour (attribution 1, renvoi 1, refus 1)" in page
    assert "Enregistrer le second tour" in page and 'id="adjourn-form"' in page
    assert "Aucune majorité au 1er tour : nouveau tour ou ajournement" in text(
        client.get(f"/jurys/{session.pk}/")
    )
    item.refresh_from_db()
    assert item.decision == ""

    page = text(client.post(f"/jurys/dossiers/{item.pk}/ajourner/", {"reason": " "}, follow=True))
    assert "Le motif de l'ajournement est obligatoire." in page
    page = text(
        client.post(f"/jurys/dossiers/{item.pk}/ajourner/", {"reason": "Pièce D2 à produire"}, follow=True)
    )
    assert "Le dossier est ajourné : il sera examiné lors d'une prochaine session." in page
    assert 'id="adjourned"' in page and "Pièce D2 à produire" in page and 'id="decision-form"' not in page
    item.refresh_from_db()
    assert item.adjourned and item.adjourned_by == jury_member

    vote(client, session, other, Decision.AWARD)
    assert "La session est close" in text(client.post(f"/jurys/{session.pk}/clore/", follow=True))
    assert "Ajourné (Pièce D2 à produire)" in text(client.get(f"/jurys/{session.pk}/"))


def test_bulk_award_asks_for_confirmation_first(client_for, session, officer, jury_member):
    first = session.agenda.order_by("id").first()
    client_for(officer).post(f"/jurys/dossiers/{first.pk}/instruction/", {"recommended": "1", "note": ""})
    client = client_for(jury_member)
    open_everyone(client, session)

    page = text(client.get(f"/jurys/{session.pk}/attribuer-recommandes/"))
    first.refresh_from_db()
    assert "Confirmer l'attribution" in page and first.decision == ""

    page = text(client.post(f"/jurys/{session.pk}/attribuer-recommandes/"))
    assert "déclarer n'avoir aucun conflit" in page
    page = text(client.post(f"/jurys/{session.pk}/attribuer-recommandes/", {"members_declared": "1"}))
    assert "1 certificat(s) attribué(s)" in page
    first.refresh_from_db()
    assert first.decision == Decision.AWARD


def test_outsiders_get_404_on_every_jury_page_and_see_no_session(
    client_for, session, jury_of_other_region, officer_of_other_region, evaluator
):
    item = session.agenda.first()
    pages = [f"/jurys/{session.pk}/", f"/jurys/dossiers/{item.pk}/", f"/jurys/{session.pk}/proces-verbal.pdf"]
    posts = [
        f"/jurys/{session.pk}/ouvrir/",
        f"/jurys/{session.pk}/clore/",
        f"/jurys/{session.pk}/ajouter/",
        f"/jurys/{session.pk}/attribuer-recommandes/",
        f"/jurys/dossiers/{item.pk}/declaration/",
        f"/jurys/dossiers/{item.pk}/decision/",
        f"/jurys/dossiers/{item.pk}/ajourner/",
        f"/jurys/dossiers/{item.pk}/instruction/",
        f"/jurys/dossiers/{item.pk}/retirer/",
    ]
    for outsider in (jury_of_other_region, officer_of_other_region):
        client = client_for(outsider)
        for page in pages:
            assert client.get(page).status_code == 404, page
        for post in posts:
            assert client.post(post, {}).status_code == 404, post
        assert "BERNARD" not in text(client.get("/jurys/"))
    for page in pages:  # organisation staff have no jury pages at all
        assert client_for(evaluator).get(page).status_code in (403, 404)
    session.refresh_from_db()
    assert session.status == JurySessionStatus.PLANNED and session.agenda.count() == 2


def test_the_session_pages_run_a_constant_number_of_queries(
    client_for,
    session,
    officer,
    idf_site,
    clea,
    framework,
    evaluator,
    assessor,
    django_assert_max_num_queries,
):
    client = client_for(officer)
    with django_assert_max_num_queries(20) as few:
        client.get(f"/jurys/{session.pk}/")
    for name in ("Petit", "Roux", "Blanc"):
        ready_file(idf_site, clea, framework, evaluator, assessor, last_name=name, days_ago=40)
    from casefiles.services import build_agenda

    build_agenda(session, actor=officer)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(f"/jurys/{session.pk}/")
    with django_assert_max_num_queries(15):
        client.get("/jurys/")


def test_the_home_page_lists_the_regions_sessions_to_hold(
    client_for, session, jury_member, jury_of_other_region
):
    assert f'id="jury-session-{session.pk}"' in text(client_for(jury_member).get("/accueil/"))
    assert f'id="jury-session-{session.pk}"' not in text(client_for(jury_of_other_region).get("/accueil/"))


def test_malformed_ids_in_posted_forms_are_ignored_not_crashes(client_for, session, jury_member, officer):
    assert client_for(officer).post(f"/jurys/{session.pk}/ajouter/", {"case_file": "abc"}).status_code == 302
    client = client_for(jury_member)
    assert client.post(f"/jurys/{session.pk}/ouvrir/", {"present": ["²", "x"]}).status_code == 302
    session.refresh_from_db()
    assert session.status == JurySessionStatus.PLANNED
    open_everyone(client, session)
    item = session.agenda.first()
    client.post(f"/jurys/dossiers/{item.pk}/declaration/", {"recused": "0"})
    response = client.post(f"/jurys/dossiers/{item.pk}/decision/", {"vote_²": "award", "vote_x": "award"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.decision == ""
