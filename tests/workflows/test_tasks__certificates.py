"""The certificate's PDF job through a real worker on the configured broker: the flow waits for it, and a
redelivered message issues nothing twice."""

from __future__ import annotations

import datetime as dt

import dramatiq
import pytest
from viewflow.workflow.status import PROCESS, STATUS

from backoffice.core.audit.models import AuditEvent
from casefiles.models import Certificate, CertificateStatus, Decision
from casefiles.services import decide, declare_interest, open_session
from tests.casefiles.conftest import committed_jury_world
from workflows.models import CandidatePathwayTask
from workflows.pathway.commands import close_jury_session
from workflows.pathway.tasks import issue_certificate_job

TODAY = dt.date.today()


@pytest.fixture
def closed_session(transactional_db):  # type: ignore[no-untyped-def]
    # Worker threads use their own connections: the rows must be committed.
    session, president, [case_file] = committed_jury_world("Bernard")
    open_session(session, present=list(session.members.all()), actor=president)
    item = session.agenda.get()
    declare_interest(item, recused=False, actor=president)
    seats = list(session.members.all())
    decide(
        item,
        votes={m.pk: Decision.AWARD for m in seats},
        reason="",
        actor=president,
        stated_at_table=[m.pk for m in seats],
    )
    return session, president, case_file


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
        flow_task="workflows/pathway.flow.CandidatePathwayFlow.certificate_issued",
    )
    assert issued.status == STATUS.DONE
