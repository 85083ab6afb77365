"""Jury sessions through their services: agenda, quorum, declarations, votes, closing and issuance."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from pypdf import PdfReader
from viewflow.workflow.status import PROCESS, STATUS

from backoffice.core.audit.events import timeline
from casefiles.models import (
    AgendaItem,
    CaseFileState,
    Certificate,
    CertificateStatus,
    Decision,
    JurySessionStatus,
)
from casefiles.services import (
    add_to_agenda,
    award_recommended,
    check_agenda_item,
    decide,
    declare_interest,
    issue_certificate,
    open_session,
    plan_session,
    remove_from_agenda,
)
from casefiles.services.decisions import store_minutes
from tests.casefiles.conftest import TODAY, plan_today, ready_file
from workflows.models import CandidatePathwayTask
from workflows.pathway.commands import close_jury_session, finish_issuance

pytestmark = pytest.mark.django_db


def members(session):
    return {m.user.username: m for m in session.members.select_related("user")}


def open_with_everyone(session, actor):
    return open_session(session, present=list(session.members.all()), actor=actor)


def vote_all(session, item, actor, choice=Decision.AWARD, reason=""):
    declare_interest(item, recused=False, actor=actor)
    seats = list(session.members.all())
    return decide(
        item,
        votes={m.pk: choice for m in seats},
        reason=reason,
        actor=actor,
        stated_at_table=[m.pk for m in seats],
    )


def test_planning_puts_the_regions_files_due_on_the_agenda(session, two_ready_files):
    assert session.status == JurySessionStatus.PLANNED
    assert sorted(session.agenda.values_list("case_file_id", flat=True)) == sorted(
        f.pk for f in two_ready_files
    )
    days = [
        session.cutoff_on + dt.timedelta(days=n) for n in range((session.held_on - session.cutoff_on).days)
    ]
    assert session.cutoff_on.weekday() < 5 and sum(day.weekday() < 5 for day in days) == 10


def test_a_session_needs_both_colleges_and_region_members(officer, idf, jury_member, officer_of_other_region):
    with pytest.raises(ValidationError) as error:
        plan_today(idf, jury_member, officer_of_other_region, actor=officer, place="")
    text = " ".join(error.value.messages)
    assert "lieu" in text and "n'est pas membre de jury de la région" in text


def test_an_officer_of_another_region_cannot_plan_here(
    officer_of_other_region, idf, jury_member, employee_member
):
    with pytest.raises(PermissionDenied):
        plan_session(
            region=idf,
            held_on=TODAY,
            place="Paris",
            remote=False,
            members=[(jury_member, "employers"), (employee_member, "employees")],
            president=jury_member,
            actor=officer_of_other_region,
        )


def test_officer_checks_removes_and_adds_files_before_opening(session, officer, two_ready_files):
    item = session.agenda.first()
    check_agenda_item(item, recommended=True, note="", actor=officer)
    item.refresh_from_db()
    assert item.recommended and item.checked_by == officer
    with pytest.raises(ValidationError, match="Motivez"):
        check_agenda_item(item, recommended=False, note=" ", actor=officer)

    case_file = item.case_file
    remove_from_agenda(item, actor=officer)
    assert not session.agenda.filter(case_file=case_file).exists()
    add_to_agenda(session, case_file, actor=officer)
    with pytest.raises(ValidationError, match="déjà inscrit"):
        add_to_agenda(session, case_file, actor=officer)


def test_opening_requires_the_quorum_of_both_colleges(session, jury_member):
    employer = members(session)["jury.idf"]
    with pytest.raises(ValidationError, match="Quorum non atteint"):
        open_session(session, present=[employer], actor=jury_member)
    session.refresh_from_db()
    assert session.status == JurySessionStatus.PLANNED


def test_a_non_member_cannot_open_decide_or_close(session, jury_member, third_member):
    with pytest.raises(PermissionDenied):
        open_with_everyone(session, third_member)
    open_with_everyone(session, jury_member)
    item = session.agenda.first()
    with pytest.raises(PermissionDenied):
        declare_interest(item, recused=False, actor=third_member)
    with pytest.raises(PermissionDenied):
        decide(item, votes={}, reason="", actor=third_member)


def test_the_member_must_declare_before_deciding_and_a_recused_member_cannot_decide(
    session, jury_member, employee_member
):
    open_with_everyone(session, jury_member)
    item = session.agenda.first()
    votes = {m.pk: Decision.AWARD for m in session.members.all()}
    with pytest.raises(PermissionDenied, match="Déclarez"):
        decide(item, votes=votes, reason="", actor=jury_member)
    declare_interest(item, recused=True, actor=employee_member)
    with pytest.raises(PermissionDenied, match="Déclarez"):
        decide(item, votes=votes, reason="", actor=employee_member)
    # Left with one college after the recusal, the file cannot be decided.
    declare_interest(item, recused=False, actor=jury_member)
    with pytest.raises(ValidationError, match="Quorum non atteint"):
        decide(item, votes={members(session)["jury.idf"].pk: Decision.AWARD}, reason="", actor=jury_member)
    item.refresh_from_db()
    assert item.decision == ""


def test_a_member_who_assessed_the_file_must_recuse(session, officer, jury_member, employee_member, idf_site):
    from casefiles.models import Assessment

    open_with_everyone(session, jury_member)
    item = session.agenda.first()
    Assessment.objects.filter(case_file=item.case_file).update(assessor=employee_member)
    with pytest.raises(ValidationError, match="vous devez vous récuser"):
        declare_interest(item, recused=False, actor=employee_member)


def test_majority_and_the_presidents_casting_vote(session, jury_member, employee_member):
    open_with_everyone(session, jury_member)
    first, second = session.agenda.all()
    seats = members(session)
    declare_interest(first, recused=False, actor=jury_member)
    # One vote each: the president (jury.idf) settles the tie.
    decide(
        first,
        votes={seats["jury.idf"].pk: Decision.RETURN, seats["jury.idf.salaries"].pk: Decision.AWARD},
        reason="Grille D3 non signée",
        actor=jury_member,
        stated_at_table=[seats["jury.idf.salaries"].pk],
    )
    first.refresh_from_db()
    assert first.decision == Decision.RETURN and first.votes.count() == 2

    with pytest.raises(ValidationError, match="déjà fait l'objet d'une décision"):
        decide(first, votes={}, reason="", actor=jury_member)
    declare_interest(second, recused=False, actor=employee_member)
    with pytest.raises(ValidationError, match="motif est obligatoire"):
        decide(
            second,
            votes={m.pk: Decision.REFUSE for m in seats.values()},
            reason="",
            actor=employee_member,
            stated_at_table=[m.pk for m in seats.values()],
        )


def test_closing_needs_every_file_decided(session, jury_member):
    open_with_everyone(session, jury_member)
    vote_all(session, session.agenda.first(), jury_member)
    with pytest.raises(ValidationError, match="attendent encore une décision"):
        close_jury_session(session, actor=jury_member)
    session.refresh_from_db()
    assert session.status == JurySessionStatus.OPEN


def test_award_return_and_refuse_move_each_pathway_on(
    session,
    jury_member,
    idf_site,
    clea,
    framework,
    evaluator,
    assessor,
    officer,
    django_capture_on_commit_callbacks,
):
    third = ready_file(idf_site, clea, framework, evaluator, assessor, last_name="Petit", days_ago=40)
    add_to_agenda(session, third, actor=officer)
    open_with_everyone(session, jury_member)
    awarded, returned, refused = AgendaItem.objects.filter(session=session).order_by("id")
    vote_all(session, awarded, jury_member)
    vote_all(session, returned, jury_member, Decision.RETURN, "Preuves D3 insuffisantes")
    vote_all(session, refused, jury_member, Decision.REFUSE, "Fraude avérée")

    with django_capture_on_commit_callbacks() as callbacks:
        certificates = close_jury_session(session, actor=jury_member)

    session.refresh_from_db()
    assert session.status == JurySessionStatus.CLOSED
    pdf_jobs = [c for c in callbacks if "issue_certificate_job" in repr(c)]
    assert len(pdf_jobs) == 1  # one PDF job, enqueued after commit (beside the notifications)
    # The minutes' PDF is rendered off the closing path, by a job enqueued after commit.
    assert not session.minutes and [c for c in callbacks if "render_minutes_job" in repr(c)]
    assert store_minutes(session.pk) is True and store_minutes(session.pk) is False
    session.refresh_from_db()
    assert "Procès-verbal" in PdfReader(session.minutes.open("rb")).pages[0].extract_text()
    certificate = certificates[0]
    assert certificate.number == f"CLEA-{TODAY.year}-IDF-000001"
    assert certificate.status == CertificateStatus.PENDING

    for item, state in ((awarded, "certified"), (returned, "returned"), (refused, "refused")):
        item.case_file.refresh_from_db()
        assert item.case_file.state == state
        assert timeline(item.case_file).filter(verb="casefile.jury_minutes").count() == 1
    returned_task = CandidatePathwayTask.objects.get(process=returned.case_file.process, status=STATUS.NEW)
    assert returned_task.flow_task.name == "jury_return"
    refused.case_file.process.refresh_from_db()
    assert refused.case_file.process.status == PROCESS.DONE

    assert issue_certificate(certificate.pk) is True
    assert finish_issuance(certificate.pk) is True
    # A redelivered job: one number, one PDF, the pathway already ended.
    assert issue_certificate(certificate.pk) is False
    assert finish_issuance(certificate.pk) is False
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.ISSUED
    text = PdfReader(certificate.pdf.open("rb")).pages[0].extract_text()
    assert certificate.number in text and "BERNARD" in text
    awarded.case_file.process.refresh_from_db()
    assert awarded.case_file.process.status == PROCESS.DONE
    assert Certificate.objects.count() == 1


def test_bulk_award_of_the_recommended_files(session, officer, jury_member):
    first, second = session.agenda.all()
    check_agenda_item(first, recommended=True, note="", actor=officer)
    open_with_everyone(session, jury_member)

    with pytest.raises(ValidationError, match="déclarer n'avoir aucun conflit"):
        award_recommended(session, actor=jury_member)
    awarded, skipped = award_recommended(session, actor=jury_member, members_declared=True)

    assert (awarded, skipped) == (1, [])
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.decision == Decision.AWARD and first.votes.count() == 2
    assert second.decision == ""


def test_nothing_can_be_decided_after_close(session, jury_member):
    open_with_everyone(session, jury_member)
    for item in session.agenda.all():
        vote_all(session, item, jury_member)
    close_jury_session(session, actor=jury_member)
    item = session.agenda.first()
    with pytest.raises(ValidationError, match="session est close"):
        declare_interest(item, recused=False, actor=jury_member)


def test_a_regional_rule_changes_the_quorum_and_is_audited(
    client_for, administrator, idf, session, jury_member
):
    from django.urls import reverse

    response = client_for(administrator).post(
        reverse("admin:casefiles_juryrule_add"),
        {
            "region": idf.pk,
            "min_present": 3,
            "min_per_college": 1,
            "majority": "two_thirds",
            "cutoff_working_days": 10,
        },  # the casting-vote box left unticked
    )
    assert response.status_code == 302
    from backoffice.core.audit.models import AuditEvent
    from casefiles.models import JuryRule

    rule = JuryRule.objects.get(region=idf)
    assert rule.majority == "two_thirds" and rule.president_casting_vote is False
    event = AuditEvent.objects.get(verb="jury.rule_changed", actor=administrator)
    assert "deux tiers" in event.summary and "sans voix prépondérante" in event.summary
    with pytest.raises(ValidationError, match="2 membre\\(s\\) pour 3 requis"):
        open_with_everyone(session, jury_member)


def test_a_file_abandoned_while_on_the_agenda_does_not_block_the_close(session, jury_member, evaluator):
    from workflows.pathway.commands import abandon_pathway

    open_with_everyone(session, jury_member)
    first, second = session.agenda.order_by("id")
    abandon_pathway(second.case_file, reason="Déménagement", actor=evaluator)
    for item in (first, second):
        vote_all(session, item, jury_member)

    certificates = close_jury_session(session, actor=jury_member)

    assert [c.case_file_id for c in certificates] == [first.case_file_id]
    second.case_file.refresh_from_db()
    assert second.case_file.state == CaseFileState.ABANDONED
    assert not Certificate.objects.filter(case_file=second.case_file).exists()
    assert "sans effet" in timeline(second.case_file).filter(verb="casefile.jury_decided").last().summary


def test_every_voter_declares_before_the_vote_is_recorded(session, jury_member, employee_member):
    open_with_everyone(session, jury_member)
    item = session.agenda.first()
    declare_interest(item, recused=False, actor=jury_member)
    votes = {m.pk: Decision.AWARD for m in session.members.all()}

    with pytest.raises(ValidationError, match="conflit d'intérêts manquante"):
        decide(item, votes=votes, reason="", actor=jury_member)
    item.refresh_from_db()
    assert item.decision == "" and not item.declarations.filter(member__user=employee_member).exists()

    decide(item, votes=votes, reason="", actor=jury_member, stated_at_table=list(votes))
    assert item.declarations.filter(member__user=employee_member, recused=False).exists()
    assert (
        "déclare en séance" in timeline(item.case_file).filter(verb="casefile.jury_declared").last().summary
    )


def test_a_file_decided_in_a_session_still_open_goes_on_no_other_agenda(
    session, officer, idf, jury_member, employee_member
):
    open_with_everyone(session, jury_member)
    item = session.agenda.first()
    vote_all(session, item, jury_member)
    later = plan_today(idf, jury_member, employee_member, actor=officer)
    assert not later.agenda.filter(case_file=item.case_file).exists()
    with pytest.raises(ValidationError, match="déjà inscrit"):
        add_to_agenda(later, item.case_file, actor=officer)


def test_a_file_on_an_agenda_cannot_be_transferred(session, officer, ara_site):
    from casefiles.services import transfer_case_file

    case_file = session.agenda.first().case_file
    with pytest.raises(ValidationError, match="ordre du jour d'une session de jury"):
        transfer_case_file(case_file, to_site=ara_site, reason="", actor=officer)
    case_file.refresh_from_db()
    assert case_file.evaluation_site.region.code == "IDF"


def test_only_a_member_present_closes_the_session(session, jury_member, employee_member, third_member):
    employer, employee = members(session)["jury.idf"], members(session)["jury.idf.salaries"]
    open_session(session, present=[employer, employee], actor=jury_member)
    for item in session.agenda.all():
        vote_all(session, item, jury_member)
    session.members.filter(pk=employee.pk).update(present=False)
    for outsider in (third_member, employee_member):
        with pytest.raises(PermissionDenied):
            close_jury_session(session, actor=outsider)
    session.refresh_from_db()
    assert session.status == JurySessionStatus.OPEN


def test_a_certificate_being_edited_cannot_be_revoked(session, jury_member, supervisor):
    from casefiles.services import revoke_certificate

    open_with_everyone(session, jury_member)
    for item in session.agenda.all():
        vote_all(session, item, jury_member)
    certificate = close_jury_session(session, actor=jury_member)[0]
    with pytest.raises(ValidationError, match="en cours d'édition"):
        revoke_certificate(certificate, reason="Erreur", actor=supervisor)
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.PENDING
