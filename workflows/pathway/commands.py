"""The commands that move the candidate pathway, the only entry points other code uses: start a file's
process, complete a step as its task view does, take the jury's return, abandon, transfer or lapse a
file, close a jury session, finish the certificates' issuance and move an absent person's tasks to a
colleague."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from viewflow.fsm.base import TransitionNotAllowed
from viewflow.workflow.status import STATUS

from accreditation.models import Site
from accreditation.scoping import scope_of
from backoffice.core.accounts.types import Actor, SystemActor
from backoffice.core.worker import send_on_commit
from casefiles import services
from casefiles.models import CaseFile, Certificate, JurySession
from casefiles.services import certificates as certificate_services
from workflows.models import CandidatePathwayProcess, CandidatePathwayTask
from workflows.pathway.flow import CandidatePathwayFlow
from workflows.pathway.jury_flows import lock_processes, move_past_issuance, move_past_jury
from workflows.reassignment import check_reassignment, held_by, lock_held, may_take, record_reassignment
from workflows.steps import complete_task


def start_pathway(case_file: CaseFile, *, actor: SystemActor = None) -> Any:
    """Start the process of a file opened by a service (bulk import). No event of its own: the file's
    opening, by `actor`, is the event."""
    return CandidatePathwayFlow.start_from_code.run(case_file=case_file)


def complete_step(case_file: CaseFile, node_name: str, *, user: Actor, run: Callable[[], Any]) -> Any:
    """Take the file's open task of that step, run the domain service, and move the flow on."""
    node = getattr(CandidatePathwayFlow, node_name)
    return complete_task(CandidatePathwayFlow, case_file.process_id, node, user=user, run=run)


def return_from_jury(case_file: CaseFile, *, reason: str, actor: Actor) -> CaseFile:
    """The jury sends the file back to its evaluator: the jury step ends, the evaluator's task opens."""
    # The process lock first, as task views and timers take it: the same order everywhere, no deadlock.
    with transaction.atomic(), CandidatePathwayFlow.lock(case_file.process_id):
        task = CandidatePathwayTask.objects.filter(
            process_id=case_file.process_id, flow_task=CandidatePathwayFlow.ready_for_jury, status=STATUS.NEW
        ).first()
        if task is None:
            raise ValidationError("Ce dossier n'attend pas de décision du jury.")
        returned = services.return_case_file_from_jury(case_file, reason=reason, actor=actor)
        CandidatePathwayFlow.ready_for_jury.run(task)
        return returned


@transaction.atomic
def abandon_pathway(case_file: CaseFile, *, reason: str, actor: Actor) -> CaseFile:
    """Abandon the file and cancel its open tasks."""
    case_file = services.abandon_case_file(case_file, reason=reason, actor=actor)
    if case_file.process_id:
        CandidatePathwayFlow.instance.cancel(case_file.process)
    return case_file


@transaction.atomic
def transfer_pathway(case_file: CaseFile, *, to_site: Site, reason: str, actor: Actor) -> CaseFile:
    """Transfer the file; tasks held by the previous organisation's staff go back to the queue."""
    case_file = services.transfer_case_file(case_file, to_site=to_site, reason=reason, actor=actor)
    if case_file.process is not None:
        for task in case_file.process.task_set.filter(status=STATUS.ASSIGNED).select_related("owner"):
            if scope_of(task.owner).organisation_id != to_site.organisation_id:
                task.flow_task.activation_class(task).unassign()
    return case_file


def expire_pathways(*, actor: SystemActor = None) -> int:
    """Close the files past their 5-year window and cancel their processes (safe to run twice)."""
    count = services.expire_case_files(actor=actor)
    for case_file in CaseFile.objects.filter(state="expired", process__status__in=["NEW", "STARTED"]):
        CandidatePathwayFlow.instance.cancel(case_file.process)
    return count


def _waiting(process_id: int | None, node: Any) -> CandidatePathwayTask | None:
    return CandidatePathwayTask.objects.filter(
        process_id=process_id, flow_task=node, status=STATUS.NEW
    ).first()


def close_jury_session(session: JurySession, *, actor: Actor) -> list[Certificate]:
    """Close the session (every file decided or adjourned, quorum), apply the decisions, link the minutes
    from every file, move the flows of the decided files, all in a few statements for the whole session;
    once the transaction commits, enqueue the minutes' PDF job and each certificate's job."""
    from workflows.pathway.tasks import issue_certificate_job, render_minutes_job

    with transaction.atomic():
        # The process locks first, in a fixed order (as task views take them).
        lock_processes(
            session.agenda.exclude(case_file__process=None).values_list("case_file__process_id", flat=True)
        )
        services.close_session(session, actor=actor)
        certificates = services.apply_session_outcomes(session, actor=actor)
        # An adjourned file's jury step keeps waiting, for the session that will decide on it; a file that
        # left the jury's hands while on the agenda (abandon, expiry) has no jury step waiting.
        decided = CaseFile.objects.filter(
            pk__in=session.agenda.exclude(decision="").values("case_file_id")
        ).only("pk", "process_id", "state")
        move_past_jury(list(decided.order_by("pk")))
        services.attach_minutes(session, actor=actor)
        send_on_commit(render_minutes_job.send, session.pk)
        for certificate in certificates:
            send_on_commit(issue_certificate_job.send, certificate.pk)
    return certificates


def issue_certificates(ids: Iterable[int], *, actor: SystemActor = None) -> list[Certificate]:
    """Issue the pending certificates among `ids` and move their pathways past 'certificate issuance', in a
    few statements; their PDFs are rendered apart (the job, or the first request). Returns those issued now.
    No event of its own: each certificate's issuance, by `actor`, is the event."""
    ids = list(ids)
    with transaction.atomic():
        files = CaseFile.objects.filter(certificate__pk__in=ids).only("pk", "process_id")
        lock_processes([f.process_id for f in files if f.process_id is not None])
        issued = certificate_services.issue_certificates(ids, actor=actor)
        move_past_issuance([c.case_file for c in issued])
    return issued


def finish_issuance(certificate_id: int, *, actor: SystemActor = None) -> bool:
    """Move the pathway past 'certificate issuance' once the PDF exists; False if it already moved on. No
    event of its own: the certificate's issuance, by `actor`, is the event."""
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


def reassign_pathway_tasks(
    tasks: QuerySet[CandidatePathwayTask], *, from_user: Actor, to_user: Actor, actor: Actor
) -> tuple[int, int]:
    """Move to `to_user` the tasks among `tasks` that `from_user` holds and the actor may see, wherever
    `to_user` may take them: the step's permission and a file in their scope. Returns the tasks moved and
    those left with `from_user`; one audit event per task moved, on the file's timeline."""
    check_reassignment(from_user=from_user, to_user=to_user, actor=actor)
    visible = CandidatePathwayTask.objects.scoped_for(actor).values("pk")
    with transaction.atomic():
        held = lock_held(CandidatePathwayProcess, held_by(tasks, from_user).filter(pk__in=visible))
        in_scope = set(
            CandidatePathwayTask.objects.scoped_for(to_user)
            .filter(pk__in=[task.pk for task in held])
            .values_list("pk", flat=True)
        )
        # Transitions called from code do not check permissions: the rule of the node is asked here.
        moving = [task for task in held if task.pk in in_scope and may_take(to_user, task)]
        CandidatePathwayTask.objects.filter(pk__in=[task.pk for task in moving]).update(owner=to_user)
        files = dict(
            CaseFile.objects.filter(process_id__in=[task.process_id for task in moving]).values_list(
                "process_id", "pk"
            )
        )
        subjects = CaseFile.objects.in_bulk(list(files.values()))
        for task in moving:
            record_reassignment(
                task, subjects[files[task.process_id]], from_user=from_user, to_user=to_user, actor=actor
            )
    return len(moving), len(held) - len(moving)
