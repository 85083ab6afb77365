"""The certificate's PDF job through a real worker on the configured broker: the flow waits for it, and a
redelivered message issues nothing twice."""

from __future__ import annotations

import datetime as dt

import dramatiq
import pytest
from viewflow.workflow.status import PROCESS, STATUS

from accreditation.models import Department, FrameworkVersion, Region
from accreditation.services import set_user_scope
from backoffice.accounts.roles import Role
from backoffice.audit.models import AuditEvent
from casefiles.models import Certificate, CertificateStatus, College, Decision
from casefiles.services import decide, declare_interest, open_session, plan_session
from fixtures.reference import load_reference_data
from tests.casefiles.conftest import ready_file
from tests.factories import AccreditationFactory, SiteFactory, UserFactory
from workflows.juries import close_jury_session
from workflows.models import CandidatePathwayTask
from workflows.tasks import issue_certificate_job

TODAY = dt.date.today()


@pytest.fixture
def closed_session(transactional_db):  # type: ignore[no-untyped-def]
    # Worker threads use their own connections: the rows must be committed.
    load_reference_data()
    idf = Region.objects.get(code="IDF")
    site = SiteFactory(department=Department.objects.get(code="93"))
    accreditation = AccreditationFactory(site=site)
    staff = UserFactory(username="evaluatrice", role=Role.EVALUATOR_STAFF)
    set_user_scope(staff, organisation=site.organisation, actor=None)
    framework = FrameworkVersion.objects.get(certification=accreditation.certification, status="published")
    case_file = ready_file(site, accreditation.certification, framework, staff, staff, last_name="Bernard")
    members = []
    for username in ("jury.a", "jury.b"):
        member = UserFactory(username=username, role=Role.JURY_MEMBER)
        set_user_scope(member, regions=[idf], actor=None)
        members.append(member)
    officer = UserFactory(username="officer.idf", role=Role.CASE_OFFICER)
    set_user_scope(officer, regions=[idf], actor=None)
    session = plan_session(
        region=idf,
        held_on=TODAY,
        place="Paris",
        remote=False,
        members=[(members[0], College.EMPLOYERS), (members[1], College.EMPLOYEES)],
        president=members[0],
        actor=officer,
    )
    open_session(session, present=list(session.members.all()), actor=members[0])
    item = session.agenda.get()
    declare_interest(item, recused=False, actor=members[0])
    seats = list(session.members.all())
    decide(
        item,
        votes={m.pk: Decision.AWARD for m in seats},
        reason="",
        actor=members[0],
        stated_at_table=[m.pk for m in seats],
    )
    return session, members[0], case_file


def test_the_worker_issues_the_pdf_once_and_the_pathway_ends(closed_session, media_root):
    session, president, case_file = closed_session
    broker = dramatiq.get_broker()
    worker = dramatiq.Worker(broker, worker_threads=1, worker_timeout=100)
    worker.start()
    try:
        [certificate] = close_jury_session(session, actor=president)  # the job is sent on commit
        broker.join(issue_certificate_job.queue_name, timeout=30_000)
        issue_certificate_job.send(certificate.pk)  # a redelivered message
        broker.join(issue_certificate_job.queue_name, timeout=30_000)
        worker.join()
    finally:
        worker.stop()

    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.ISSUED
    assert [p.name for p in (media_root / "certificats").iterdir()] == [f"{certificate.number}.pdf"]
    assert AuditEvent.objects.filter(verb="casefile.certificate_issued").count() == 1
    assert Certificate.objects.count() == 1
    case_file.process.refresh_from_db()
    assert case_file.process.status == PROCESS.DONE
    issued = CandidatePathwayTask.objects.get(
        process=case_file.process,
        flow_task="workflows/candidate_pathway.CandidatePathwayFlow.certificate_issued",
    )
    assert issued.status == STATUS.DONE
