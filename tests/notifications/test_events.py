"""Which events notify whom: one email per person per event, French, with the page's link; the scheduled
reminders fire once per threshold."""

from __future__ import annotations

import datetime as dt

import pytest
from dramatiq_crontab import scheduler

from backoffice.core.audit.events import record, record_each
from backoffice.notifications import reminders, services, tasks
from backoffice.notifications.models import Channel, Notification, Status
from casefiles.events import CertificateEvent
from casefiles.models import CaseFile
from tests.factories import AccreditationFactory

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()


def _for(user, channel=Channel.EMAIL):  # type: ignore[no-untyped-def]
    return Notification.objects.filter(recipient=user, channel=channel)


def test_opening_a_file_notifies_the_organisation_once_each_and_nobody_else(
    assessor, evaluator, evaluator_of_other_organisation, case_file, client_for, mailoutbox
):
    for person in (evaluator, assessor):
        assert _for(person).filter(template="file_opened").count() == 1
        assert _for(person, Channel.IN_APP).filter(template="file_opened").count() == 1
    assert not Notification.objects.filter(recipient=evaluator_of_other_organisation).exists()

    email = _for(evaluator).get(template="file_opened")
    services.deliver(email.pk)
    assert mailoutbox[0].subject == f"[CléA] Dossier ouvert : {case_file}"
    assert f"/candidats/dossiers/{case_file.pk}/detail/" in mailoutbox[0].body
    assert client_for(evaluator).get(email.link).status_code == 200
    assert client_for(evaluator_of_other_organisation).get(email.link).status_code in (403, 404)


def test_a_certificate_issued_notifies_the_organisation_and_the_candidate_by_email(case_file, evaluator):
    case_file.candidate.email = "lea.martin@example.org"
    case_file.candidate.save(update_fields=["email"])

    record(CertificateEvent.ISSUED, actor=None, subject=case_file, summary="Certificat n° X délivré (PDF).")

    candidate = Notification.objects.get(email="lea.martin@example.org")
    assert candidate.template == "certificate_issued_candidate" and candidate.recipient is None
    assert candidate.subject == f"Votre certificat {case_file.certification.name} est délivré"
    assert _for(evaluator).filter(template="certificate_issued").count() == 1


def _shape(notifications):  # type: ignore[no-untyped-def]
    return sorted(
        (n.template, n.channel, n.recipient_id, n.email, n.subject, n.status, n.link) for n in notifications
    )


def test_events_recorded_together_notify_as_each_recorded_alone(
    case_file, evaluator, django_assert_max_num_queries, idf_site, clea, candidate_data
):
    from casefiles.services import open_case_file

    others = [
        open_case_file(
            site=idf_site,
            certification=clea,
            opened_on=TODAY,
            actor=None,
            candidate_data={**candidate_data, "last_name": name, "email": f"{name.lower()}@example.org"},
        )
        for name in ("Durand", "Petit", "Roux")
    ]
    Notification.objects.all().delete()
    record(CertificateEvent.ISSUED, actor=None, subject=others[0], summary="Certificat délivré.")
    alone = _shape(Notification.objects.all())
    Notification.objects.all().delete()

    with django_assert_max_num_queries(8):  # whatever the number of events
        record_each(
            CertificateEvent.ISSUED, actor=None, subjects=others, summaries=["Certificat délivré."] * 3
        )

    together = Notification.objects.all()
    assert together.count() == 3 * len(alone)
    first_event = min(int(n.key.split(":")[1]) for n in together)  # keys: event:<id>:<channel>:<who>
    assert _shape(n for n in together if n.key.startswith(f"event:{first_event}:")) == alone
    assert {n.email for n in together if n.recipient_id is None} == {
        "durand@example.org",
        "petit@example.org",
        "roux@example.org",
    }


def test_an_expiring_accreditation_is_reminded_once_at_six_three_and_one_months(idf_site, evaluator):
    accreditation = AccreditationFactory(
        site=idf_site, valid_from=TODAY - dt.timedelta(days=900), valid_to=TODAY + dt.timedelta(days=170)
    )
    reminded = _for(evaluator).filter(template="accreditation_expiring")

    reminders.remind_accreditations(TODAY)
    reminders.remind_accreditations(TODAY)  # the sweep run twice the same day
    assert reminded.count() == 1 and reminded.get().context["months"] == 6

    reminders.remind_accreditations(TODAY + dt.timedelta(days=30))  # still in the 6-month range
    assert reminded.count() == 1
    reminders.remind_accreditations(accreditation.valid_to - dt.timedelta(days=80))
    reminders.remind_accreditations(accreditation.valid_to - dt.timedelta(days=20))
    assert sorted(n.context["months"] for n in reminded) == [1, 3, 6]


def test_the_five_year_window_ending_is_reminded_at_six_then_three_months(case_file, evaluator):
    CaseFile.objects.filter(pk=case_file.pk).update(expires_on=TODAY + dt.timedelta(days=120))
    reminded = _for(evaluator).filter(template="window_ending")

    reminders.remind_windows(TODAY)
    reminders.remind_windows(TODAY + dt.timedelta(days=1))
    assert reminded.count() == 1 and reminded.get().status == Status.PENDING
    reminders.remind_windows(TODAY + dt.timedelta(days=40))
    assert sorted(n.context["months"] for n in reminded) == [3, 6]


def test_the_scheduler_runs_the_sweeper_the_reminders_and_the_digests():
    jobs = {job.name: job for job in scheduler.get_jobs()}

    assert jobs["sweep_outbox"].func == tasks.sweep_outbox.send
    assert str(jobs["sweep_outbox"].trigger.fields[6]) == "*/5"  # minutes
    assert jobs["send_daily_digests"].func == tasks.send_daily_digests.send
    assert jobs["send_reminders"].func == tasks.send_reminders.send


def test_jury_members_are_convened_once_with_the_agenda_fourteen_days_before(
    idf, jury_member, officer, case_file, mailoutbox
):
    from casefiles.models import AgendaItem, College, JuryMember, JurySession, JurySessionStatus

    session = JurySession.objects.create(
        region=idf,
        held_on=TODAY + dt.timedelta(days=20),
        place="Paris, Transitions Pro",
        status=JurySessionStatus.PLANNED,
        cutoff_on=TODAY + dt.timedelta(days=6),
    )
    JuryMember.objects.create(session=session, user=jury_member, college=College.EMPLOYERS)
    AgendaItem.objects.create(session=session, case_file=case_file)
    convened = _for(jury_member).filter(template="jury_convocation")

    reminders.convene_juries(TODAY)
    assert not convened.exists()  # 20 days ahead: not yet
    for day in (6, 7):
        reminders.convene_juries(TODAY + dt.timedelta(days=day))
    assert convened.count() == 1 and not _for(officer).filter(template="jury_convocation").exists()

    services.deliver(convened.get().pk)
    assert str(case_file) in mailoutbox[0].body and "Paris, Transitions Pro" in mailoutbox[0].body
    assert mailoutbox[0].subject.startswith(f"[CléA] Convocation : jury du {session.held_on:%d/%m/%Y}")


def test_an_organisation_is_reminded_once_before_its_answer_date(officer, evaluator):
    from accreditation.services import check_completeness, submit_application
    from tests.accreditation.test_services__instruction import ready_to_submit

    application = submit_application(ready_to_submit(officer, evaluator), actor=evaluator)
    answer_by = TODAY + dt.timedelta(days=10)
    check_completeness(
        application, complete=False, message="Attestation Qualiopi à jour", answer_by=answer_by, actor=officer
    )
    assert _for(evaluator).filter(template="information_requested").count() == 1  # the request itself
    reminded = _for(evaluator).filter(template="answer_reminder")

    reminders.remind_answers(TODAY)
    assert not reminded.exists()  # ten days ahead: not yet
    for day in (7, 8, 9):
        reminders.remind_answers(TODAY + dt.timedelta(days=day))
    assert reminded.count() == 1 and "Qualiopi" in reminded.get().context["message"]


def test_an_overdue_task_is_signalled_to_who_must_do_it_then_to_the_supervisors(
    assessor, evaluator, supervisor, officer, case_file
):
    from django.utils import timezone

    from tests.workflows.conftest import start_in_bulk
    from workflows.models import CandidatePathwayTask

    start_in_bulk([case_file])
    positioning = CandidatePathwayTask.objects.get(process=case_file.process, flow_task_type="HUMAN")
    CandidatePathwayTask.objects.filter(pk=positioning.pk).update(
        created=timezone.now() - dt.timedelta(days=18)  # due after 15 days: 3 days late
    )
    late = Notification.objects.filter(template="task_overdue", channel=Channel.IN_APP)
    escalated = Notification.objects.filter(template="task_overdue_escalated", channel=Channel.IN_APP)

    reminders.remind_overdue_tasks(TODAY)
    reminders.remind_overdue_tasks(TODAY)
    assert {n.recipient for n in late} == {evaluator, assessor}  # unassigned: the organisation's people
    assert late.count() == 2 and not escalated.exists()
    assert late.first().subject.startswith("En retard depuis le ")
    assert "Évaluation préalable" in late.first().subject

    reminders.remind_overdue_tasks(TODAY + dt.timedelta(days=5))  # a week past due
    assert {n.recipient for n in escalated} == {supervisor} and late.count() == 2
    assert officer not in {n.recipient for n in escalated}


def test_the_qualiopi_certificate_of_the_last_decided_application_is_reminded_before_it_ends(
    officer, evaluator
):
    from accreditation.models import AccreditationApplication, ApplicationStatus
    from accreditation.services import submit_application
    from tests.accreditation.test_services__instruction import ready_to_submit

    application = submit_application(ready_to_submit(officer, evaluator), actor=evaluator)
    content = {
        **application.content,
        "qualiopi": {"number": "Q-1", "expires_on": str(TODAY + dt.timedelta(80))},
    }
    AccreditationApplication.objects.filter(pk=application.pk).update(
        status=ApplicationStatus.DECIDED, content=content
    )
    reminded = _for(evaluator).filter(template="qualiopi_expiring")

    reminders.remind_qualiopi(TODAY)
    reminders.remind_qualiopi(TODAY)
    assert reminded.count() == 1 and reminded.get().context["months"] == 3
    reminders.remind_qualiopi(TODAY + dt.timedelta(days=60))
    assert sorted(n.context["months"] for n in reminded) == [1, 3]
