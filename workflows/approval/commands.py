"""Driving the approval from the organisation's side: submission starts it, an answer resumes it."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from viewflow.workflow.status import STATUS

from accreditation import services
from accreditation.models import AccreditationApplication
from backoffice.core.accounts.types import Actor
from workflows.approval.flow import AccreditationApprovalFlow
from workflows.models import AccreditationApprovalTask


@transaction.atomic
def submit_and_start(application: AccreditationApplication, *, actor: Actor) -> AccreditationApplication:
    """Submit the application (every rule checked by the service) and start its approval process."""
    if application.process_id:
        raise ValidationError("Ce dossier est déjà en cours d'instruction.")
    submitted = services.submit_application(application, actor=actor)
    AccreditationApprovalFlow.start.run(application=submitted)
    submitted.refresh_from_db()
    return submitted


def answer_request(
    application: AccreditationApplication, *, response: str, answers: Sequence[str] = (), actor: Actor
) -> AccreditationApplication:
    """The organisation answers a request for information: the check comes back to the case officers."""
    with transaction.atomic(), AccreditationApprovalFlow.lock(application.process_id):
        task = AccreditationApprovalTask.objects.filter(
            process_id=application.process_id,
            flow_task=AccreditationApprovalFlow.awaiting_information,
            status=STATUS.NEW,
        ).first()
        if task is None:
            raise ValidationError("Aucun complément n'est attendu pour ce dossier.")
        answered = services.answer_information_request(
            application, response=response, answers=answers, actor=actor
        )
        AccreditationApprovalFlow.awaiting_information.run(task)
        return answered
