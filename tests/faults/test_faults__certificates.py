"""A worker killed (SIGKILL) while it renders the certificates of a jury session: once the broker hands
back its messages and the sweeper sends the pending ones again, every certificate exists once, with its
number and its PDF, and every pathway ends."""

from __future__ import annotations

import datetime as dt
from unittest import mock

from django.utils import timezone
from viewflow.workflow.status import PROCESS

from backoffice.core.audit.models import AuditEvent
from casefiles.models import CaseFile, Certificate, CertificateStatus, Decision
from casefiles.services import decide, declare_interest, open_session
from tests.casefiles.conftest import committed_jury_world
from tests.factories import letters
from tests.faults.harness import redeliver_messages_of_dead_workers, wait_until
from workflows.pathway.commands import close_jury_session
from workflows.pathway.tasks import issue_certificate_job, issue_pending_certificates

FILES = 24


def _issued() -> int:
    return Certificate.objects.filter(status=CertificateStatus.ISSUED).count()


def _session_with_every_file_awarded():  # type: ignore[no-untyped-def]
    session, president, _ = committed_jury_world(*(f"Candidat{letters(n)}" for n in range(FILES)))
    open_session(session, present=list(session.members.all()), actor=president)
    seats = list(session.members.all())
    for item in session.agenda.all():
        declare_interest(item, recused=False, actor=president)
        decide(
            item,
            votes={m.pk: Decision.AWARD for m in seats},
            reason="",
            actor=president,
            stated_at_table=[m.pk for m in seats],
        )
    return session, president


def test_a_worker_killed_while_issuing_certificates_loses_none_and_issues_each_once(
    start_worker, broker, redis_server, media_root
):
    session, president = _session_with_every_file_awarded()
    worker = start_worker(threads=1)
    certificates = close_jury_session(session, actor=president)  # the PDF jobs are sent on commit
    assert len(certificates) == FILES
    wait_until(lambda: _issued() >= 2, timeout=60, what="les premiers certificats")
    worker.kill()
    assert _issued() < FILES, "le worker a tout fini avant d'être tué : le test ne prouve rien"

    # The broker hands back what the dead worker held; the sweeper, ten minutes later, resends the pending.
    redeliver_messages_of_dead_workers(redis_server.url(0))
    with mock.patch("django.utils.timezone.now", return_value=timezone.now() + dt.timedelta(minutes=11)):
        issue_pending_certificates()
    start_worker(threads=2)
    wait_until(lambda: _issued() == FILES, timeout=90, what="la délivrance de tous les certificats")
    broker.join(issue_certificate_job.queue_name, timeout=60_000)

    numbers = list(Certificate.objects.values_list("number", flat=True))
    series = f"{certificates[0].certification.number_prefix}-{session.held_on.year}-{session.region.code}"
    assert sorted(numbers) == [f"{series}-{n:06d}" for n in range(1, FILES + 1)]  # none lost, none twice
    for certificate in Certificate.objects.all():
        assert certificate.status == CertificateStatus.ISSUED
        assert certificate.pdf.name.endswith(".pdf") and certificate.number in certificate.pdf.name
        with certificate.pdf.open("rb") as pdf:
            assert pdf.read(5) == b"%PDF-"
    issued_events = AuditEvent.objects.filter(verb="casefile.certificate_issued")
    assert issued_events.count() == FILES
    assert {event.data["certificate"] for event in issued_events} == {c.pk for c in certificates}
    for case_file in CaseFile.objects.select_related("process"):
        assert case_file.process.status == PROCESS.DONE, case_file
