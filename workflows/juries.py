"""Closing a jury session moves each pathway on: award → issuance, return → evaluator, refuse → end; an
adjourned file's pathway keeps waiting for a later session."""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any

from django.db import transaction
from viewflow.fsm.base import TransitionNotAllowed
from viewflow.workflow.status import STATUS

from backoffice.worker import send_on_commit
from casefiles import services
from casefiles.models import Certificate, JurySession

from .candidate_pathway import CandidatePathwayFlow
from .models import CandidatePathwayTask


def _waiting(process_id: int | None, node: Any) -> CandidatePathwayTask | None:
    return CandidatePathwayTask.objects.filter(
        process_id=process_id, flow_task=node, status=STATUS.NEW
    ).first()


def close_jury_session(session: JurySession, *, actor: Any) -> list[Certificate]:
    """Close the session (every file decided or adjourned, quorum), apply the decisions, store the minutes,
    move the flows of the decided files, and enqueue each certificate's PDF job once the transaction
    commits."""
    with transaction.atomic(), ExitStack() as stack:
        return _close(session, actor, stack)


def _close(session: JurySession, actor: Any, stack: ExitStack) -> list[Certificate]:
    from .tasks import issue_certificate_job

    process_ids = sorted(
        session.agenda.exclude(case_file__process=None).values_list("case_file__process_id", flat=True)
    )
    for process_id in process_ids:  # the process locks first, in a fixed order (as task views take them)
        stack.enter_context(CandidatePathwayFlow.lock(process_id))
    services.close_session(session, actor=actor)
    certificates = services.apply_session_outcomes(session, actor=actor)
    for item in session.agenda.exclude(decision="").select_related("case_file"):
        # An adjourned file's jury step keeps waiting, for the session that will decide on it.
        task = _waiting(item.case_file.process_id, CandidatePathwayFlow.ready_for_jury)
        if task is not None:  # None: the file left the jury's hands while on the agenda (abandon, expiry)
            CandidatePathwayFlow.ready_for_jury.run(task)
    services.attach_minutes(session, actor=actor)
    for certificate in certificates:
        send_on_commit(issue_certificate_job.send, certificate.pk)
    return certificates


def finish_issuance(certificate_id: int) -> bool:
    """Move the pathway past 'certificate issuance' once the PDF exists; False if it already moved on."""
    certificate = Certificate.objects.select_related("case_file").get(pk=certificate_id)
    with transaction.atomic():
        task = _waiting(certificate.case_file.process_id, CandidatePathwayFlow.certificate_issued)
        if task is None:
            return False
        try:
            CandidatePathwayFlow.certificate_issued.run(task)
        except TransitionNotAllowed:  # a redelivered job got there first
            return False
    return True
