"""A jury decides by the region's majority of the votes cast by the members present and not recused; the
president breaks an exact tie between two choices only; without a majority the jury votes again or
adjourns."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from pypdf import PdfReader
from viewflow.workflow.status import STATUS

from accreditation.services import set_user_scope
from backoffice.core.accounts.roles import Role
from backoffice.core.audit.events import timeline
from casefiles.models import (
    CaseFileState,
    Decision,
    JuryRule,
    JurySessionStatus,
    Majority,
    TrainingPlan,
)
from casefiles.rules.juries import jury_outcome
from casefiles.selectors import conflict_of, files_due, voters_for
from casefiles.services import (
    adjourn_item,
    award_recommended,
    decide,
    declare_interest,
    open_session,
    plan_session,
)
from casefiles.services.decisions import store_minutes
from tests.casefiles.conftest import TODAY, plan_today
from tests.factories import UserFactory
from workflows.models import CandidatePathwayTask
from workflows.pathway.commands import close_jury_session

pytestmark = pytest.mark.django_db

A, R, F = Decision.AWARD, Decision.RETURN, Decision.REFUSE


# The rule itself: one pure function, the region's rule as data.


@pytest.mark.parametrize(
    ("votes", "president", "expected"),
    [
        ([A, A, R, F], A, None),  # 2/1/1 of 4: the most frequent choice has no majority
        ([A, R, F], A, None),  # 1/1/1 is no two-way tie: the president does not decide alone
        ([A, A, R, R], R, R),  # 2/2, the president in the tie: the president's choice wins
        ([A, A, R, R], None, None),  # 2/2 without the president among the voters: nothing decided
        ([A, A, R, R, F], A, None),  # 2/2/1: three choices, no exact tie between two
        ([A, A, A, R], R, A),  # 3/1: absolute majority, whatever the president voted
        ([F, F, F, F], None, F),  # unanimous
        ([A, R], R, R),  # 1/1: two voters, the president settles it
    ],
)
def test_the_absolute_majority_decides_and_the_president_breaks_a_two_way_tie_only(
    votes, president, expected
):
    assert jury_outcome(votes, president_vote=president, rule=JuryRule()).decision == expected


def test_the_region_may_ask_for_two_thirds_and_no_casting_vote():
    two_thirds = JuryRule(majority=Majority.TWO_THIRDS, president_casting_vote=False)
    assert jury_outcome([A, A, A, R, F], president_vote=A, rule=two_thirds).decision is None  # 3 of 5
    assert jury_outcome([A, A, R], president_vote=R, rule=two_thirds).decision == A  # 2 of 3
    assert jury_outcome([A, A, R, R], president_vote=A, rule=two_thirds).decision is None


def test_under_two_thirds_the_presidents_vote_never_decides_a_tie():
    # A 2/2 tie is half the votes: a casting vote would decide below the two thirds asked for.
    two_thirds_with_casting = JuryRule(majority=Majority.TWO_THIRDS, president_casting_vote=True)
    assert jury_outcome([A, A, R, R], president_vote=A, rule=two_thirds_with_casting).decision is None


def test_the_admin_cannot_combine_two_thirds_with_a_casting_vote(idf):
    rule = JuryRule(region=idf, majority=Majority.TWO_THIRDS, president_casting_vote=True)
    with pytest.raises(ValidationError) as refused:
        rule.full_clean()
    assert "majorité absolue" in refused.value.message_dict["president_casting_vote"][0]
    assert jury_outcome([A, R], president_vote=R, rule=JuryRule()).casting_vote is True


# Through the service: a session of four (two per college, the employer `jury.idf` presiding).


@pytest.fixture
def second_employer(idf):
    user = UserFactory(username="jury.idf.employeur2", role=Role.JURY_MEMBER)
    set_user_scope(user, regions=[idf], actor=None)
    return user


def plan_panel(officer, idf, employers, employees):
    """A session held today, the first employer presiding, opened with every member present."""
    session = plan_session(
        region=idf,
        held_on=TODAY,
        place="Paris",
        remote=False,
        members=[(u, "employers") for u in employers] + [(u, "employees") for u in employees],
        president=employers[0],
        actor=officer,
    )
    open_session(session, present=list(session.members.all()), actor=employers[0])
    return session


@pytest.fixture
def panel(officer, idf, jury_member, employee_member, third_member, second_employer, two_ready_files):
    return plan_panel(officer, idf, [jury_member, second_employer], [employee_member, third_member])


def seats(session):
    return {m.user.username: m for m in session.members.select_related("user")}


def vote(item, choices, *, actor, reason=""):
    """`choices`: username → decision, for the members present and not recused."""
    if not item.declarations.filter(member__user=actor).exists():
        declare_interest(item, recused=False, actor=actor)
    seat = seats(item.session)
    votes = {seat[name].pk: choice for name, choice in choices.items()}
    return decide(item, votes=votes, reason=reason, actor=actor, stated_at_table=list(votes))


SPLIT_2_1_1 = {"jury.idf": A, "jury.idf.salaries": A, "jury.idf.tiers": R, "jury.idf.employeur2": F}


def test_two_one_one_of_four_decides_nothing_and_keeps_the_round(panel, jury_member):
    item = panel.agenda.order_by("id").first()

    result = vote(item, SPLIT_2_1_1, actor=jury_member, reason="Preuves D3 à compléter")

    item.refresh_from_db()
    assert result.decision == "" and item.decision == "" and not item.adjourned
    assert set(item.votes.values_list("round", flat=True)) == {1}
    assert item.votes.count() == 4
    event = timeline(item.case_file).get(verb="casefile.jury_no_majority")
    assert "Aucune majorité au 1er tour" in event.summary and "attribution 2" in event.summary
    item.case_file.refresh_from_db()
    assert item.case_file.state == CaseFileState.READY_FOR_JURY
    with pytest.raises(ValidationError, match="attendent encore une décision"):
        close_jury_session(panel, actor=jury_member)


def test_a_second_round_with_a_majority_decides_and_both_rounds_are_kept(panel, jury_member):
    item = panel.agenda.order_by("id").first()
    vote(item, SPLIT_2_1_1, actor=jury_member)

    vote(item, {**SPLIT_2_1_1, "jury.idf.employeur2": A}, actor=jury_member)

    item.refresh_from_db()
    assert item.decision == A
    assert sorted(item.votes.values_list("round", "choice")) == sorted(
        [(1, A), (1, A), (1, R), (1, F), (2, A), (2, A), (2, A), (2, R)]
    )
    decided = timeline(item.case_file).get(verb="casefile.jury_decided")
    assert "3 voix sur 4, 2e tour" in decided.summary and decided.data["round"] == 2


def test_two_two_with_the_president_in_the_tie_follows_the_president(panel, jury_member):
    item = panel.agenda.order_by("id").first()

    vote(
        item,
        {"jury.idf": R, "jury.idf.employeur2": R, "jury.idf.salaries": A, "jury.idf.tiers": A},
        actor=jury_member,
        reason="Grille D3 non signée",
    )

    item.refresh_from_db()
    assert item.decision == R
    assert (
        "voix prépondérante de la présidence"
        in timeline(item.case_file).get(verb="casefile.jury_decided").summary
    )


def test_two_two_without_the_president_decides_nothing(
    officer, idf, jury_member, second_employer, employee_member, third_member, two_ready_files
):
    fifth = UserFactory(username="jury.idf.cinquieme", role=Role.JURY_MEMBER)
    set_user_scope(fifth, regions=[idf], actor=None)
    panel = plan_panel(officer, idf, [jury_member, second_employer, fifth], [employee_member, third_member])
    item = panel.agenda.order_by("id").first()
    declare_interest(item, recused=True, actor=jury_member)  # the president

    vote(
        item,
        {"jury.idf.employeur2": R, "jury.idf.cinquieme": R, "jury.idf.salaries": A, "jury.idf.tiers": A},
        actor=employee_member,
        reason="Grille D3 non signée",
    )

    item.refresh_from_db()
    assert item.decision == ""
    assert timeline(item.case_file).filter(verb="casefile.jury_no_majority").count() == 1


def test_three_to_one_decides(panel, jury_member):
    item = panel.agenda.order_by("id").first()
    vote(item, {**SPLIT_2_1_1, "jury.idf.tiers": A}, actor=jury_member)
    item.refresh_from_db()
    assert item.decision == A


def test_a_unanimous_vote_decides(panel, jury_member):
    item = panel.agenda.order_by("id").first()
    vote(item, dict.fromkeys(SPLIT_2_1_1, F), actor=jury_member, reason="Fraude avérée")
    item.refresh_from_db()
    assert item.decision == F and item.votes.count() == 4


def test_a_recusal_changes_the_count_of_votes_cast(panel, jury_member, second_employer):
    # 2/1/1 of four is no majority; with the refusing member recused, 2/1 of three is one.
    item = panel.agenda.order_by("id").first()
    declare_interest(item, recused=True, actor=second_employer)
    assert len(voters_for(item)) == 3

    without = {name: choice for name, choice in SPLIT_2_1_1.items() if name != "jury.idf.employeur2"}
    vote(item, without, actor=jury_member)

    item.refresh_from_db()
    assert item.decision == A
    assert "2 voix sur 3" in timeline(item.case_file).get(verb="casefile.jury_decided").summary


def test_the_regional_rule_is_data(panel, jury_member, idf):
    JuryRule.objects.create(region=idf, president_casting_vote=False)
    item = panel.agenda.order_by("id").first()

    vote(
        item,
        {"jury.idf": R, "jury.idf.employeur2": R, "jury.idf.salaries": A, "jury.idf.tiers": A},
        actor=jury_member,
        reason="Grille D3 non signée",
    )

    item.refresh_from_db()
    assert item.decision == ""


# Adjournment: nothing decided, the file waits for the next session.


def test_an_adjourned_file_waits_for_the_next_session(panel, officer, idf, jury_member, employee_member):
    adjourned, other = panel.agenda.order_by("id")
    vote(adjourned, SPLIT_2_1_1, actor=jury_member)
    with pytest.raises(ValidationError, match="motif de l'ajournement est obligatoire"):
        adjourn_item(adjourned, reason=" ", actor=jury_member)

    adjourn_item(adjourned, reason="Attestation de formation à produire", actor=jury_member)

    adjourned.refresh_from_db()
    assert adjourned.adjourned and adjourned.decision == ""
    assert adjourned.adjournment_reason == "Attestation de formation à produire"
    assert adjourned.adjourned_by == jury_member
    event = timeline(adjourned.case_file).get(verb="casefile.jury_adjourned")
    assert "Attestation de formation à produire" in event.summary and event.data["rounds"] == 1
    with pytest.raises(ValidationError, match="ajourné"):
        vote(adjourned, dict.fromkeys(SPLIT_2_1_1, A), actor=jury_member)

    vote(other, dict.fromkeys(SPLIT_2_1_1, A), actor=jury_member)
    close_jury_session(panel, actor=jury_member)

    panel.refresh_from_db()
    assert panel.status == JurySessionStatus.CLOSED
    case_file = adjourned.case_file
    case_file.refresh_from_db()
    assert case_file.state == CaseFileState.READY_FOR_JURY
    waiting = CandidatePathwayTask.objects.get(process=case_file.process, status=STATUS.NEW)
    assert waiting.flow_task.name == "ready_for_jury"
    minutes = timeline(case_file).get(verb="casefile.jury_minutes")
    assert "ajourné (Attestation de formation à produire)" in minutes.summary
    store_minutes(panel.pk)  # the worker's job, off the closing path
    panel.refresh_from_db()
    text = " ".join(
        " ".join(page.extract_text().split()) for page in PdfReader(panel.minutes.open("rb")).pages
    )
    assert "Ajourné — Attestation de formation à produire" in text and "1er tour — aucune majorité" in text
    later = plan_today(idf, jury_member, employee_member, actor=officer)
    assert list(later.agenda.values_list("case_file_id", flat=True)) == [case_file.pk]


def test_an_adjourned_file_may_go_on_a_session_planned_before_the_close(
    panel, officer, idf, jury_member, employee_member
):
    item = panel.agenda.order_by("id").first()
    vote(item, SPLIT_2_1_1, actor=jury_member)
    later = plan_today(idf, jury_member, employee_member, actor=officer)
    assert not later.agenda.filter(case_file=item.case_file).exists()

    adjourn_item(item, reason="Pièce manquante", actor=jury_member)

    assert files_due(later, by_cutoff=False).filter(pk=item.case_file_id).exists()


def test_a_recused_member_cannot_adjourn(panel, second_employer):
    item = panel.agenda.order_by("id").first()
    declare_interest(item, recused=True, actor=second_employer)
    with pytest.raises(PermissionDenied, match="récusé"):
        adjourn_item(item, reason="Pièce manquante", actor=second_employer)
    item.refresh_from_db()
    assert not item.adjourned


def test_the_bulk_award_leaves_a_file_already_voted_to_the_members(panel, officer, jury_member):
    first, second = panel.agenda.order_by("id")
    panel.agenda.update(recommended=True, checked_by=officer)  # as checked before the opening
    vote(first, SPLIT_2_1_1, actor=jury_member)

    awarded, skipped = award_recommended(panel, actor=jury_member, members_declared=True)

    first.refresh_from_db()
    second.refresh_from_db()
    assert awarded == 1 and second.decision == A
    assert first.decision == "" and "un tour de vote a déjà eu lieu" in skipped[0]


# Conflicts of interest: the file's trainer.


def test_a_trainer_of_the_file_must_recuse(panel, employee_member, training_site):
    item = panel.agenda.order_by("id").first()
    TrainingPlan.objects.create(
        case_file=item.case_file,
        number=1,
        training_site=training_site,
        trainer=employee_member,
        hours=20,
        starts_on=TODAY,
        ends_on=TODAY,
    )
    seat = seats(panel)["jury.idf.salaries"]

    assert conflict_of(seat, item.case_file) == "formateur·rice de ce dossier"
    with pytest.raises(ValidationError, match="formateur·rice de ce dossier : vous devez vous récuser"):
        declare_interest(item, recused=False, actor=employee_member)
    assert seat not in voters_for(item)
    assert not item.declarations.exists()
