"""Driving the candidate pathway from code (imports, demo data): same checks as the UI."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from viewflow.workflow.status import STATUS

from casefiles import services
from casefiles.models import CaseFile

from .candidate_pathway import CandidatePathwayFlow
from .models import CandidatePathwayTask


def start_pathway(case_file: CaseFile) -> Any:
    """Start the process of a file opened by a service (bulk import)."""
    return CandidatePathwayFlow.start_from_code.run(case_file=case_file)


def complete_step(case_file: CaseFile, node_name: str, *, user: Any, run: Callable[[], Any]) -> Any:
    """Take the file's open task of that step, run the domain service, and move the flow on."""
    node = getattr(CandidatePathwayFlow, node_name)
    with transaction.atomic(), CandidatePathwayFlow.lock(case_file.process_id):
        task = CandidatePathwayTask.objects.filter(
            process_id=case_file.process_id, flow_task=node, status__in=[STATUS.NEW, STATUS.ASSIGNED]
        ).first()
        if task is None:
            raise ValidationError("Cette étape n'est pas en attente pour ce dossier.")
        activation = node.activation_class(task)
        # Transitions called from code do not check permissions: check them here.
        if task.status == STATUS.NEW:
            if not activation.assign.has_perm(user):
                raise PermissionDenied("Vous ne pouvez pas prendre cette tâche.")
            activation.assign(user)
        if not activation.start.has_perm(user):
            raise PermissionDenied("Cette tâche est attribuée à quelqu'un d'autre.")
        activation.start(None)
        result = run()
        activation.execute()
        return result


def return_from_jury(case_file: CaseFile, *, reason: str, actor: Any) -> CaseFile:
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
