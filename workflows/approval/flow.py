"""The approval of an application: completeness ⇄ information requested → review → proposal (four eyes) →
board decision; each step's deadline escalates it to the supervisors."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.utils import timezone
from viewflow import this
from viewflow.workflow import flow, lock

from accreditation import services
from accreditation.models import AccreditationApplication, ApplicationStatus
from workflows.approval import views
from workflows.approval.nodes import ApprovalFunction, ApprovalHandle, ApprovalIf, ApprovalStep
from workflows.approval.selectors import application_of_process
from workflows.models import AccreditationApprovalProcess, AccreditationApprovalTask


def _application(activation: Any) -> AccreditationApplication:
    return application_of_process(activation.process)


class AccreditationApprovalFlow(flow.Flow):
    process_class = AccreditationApprovalProcess
    task_class = AccreditationApprovalTask
    lock_impl = lock.select_for_update_lock
    process_title = "Instruction d'une candidature"
    process_description = "Du dépôt d'un dossier d'habilitation à la décision du conseil d'administration."

    start = (
        flow.StartHandle(this.attach_application)
        .Annotation(title="Dossier déposé")
        .Next(this.completeness_check)
    )
    completeness_check = (
        ApprovalStep(views.CompletenessView.as_view())
        .Annotation(title="Vérification de complétude")
        .Permission(auto_create=True)
        .OnTimeout(this.check_due, this.escalate_check, title="Échéance")
        .Next(this.is_complete)
    )
    escalate_check = ApprovalFunction(this.mark_escalated).Next(this.completeness_check_escalated)
    completeness_check_escalated = (
        ApprovalStep(views.CompletenessView.as_view())
        .Annotation(title="Vérification de complétude (en retard)")
        .Permission("workflows.manage_accreditationapprovalprocess")
        .Next(this.is_complete)
    )
    is_complete = (
        ApprovalIf(this.in_review)
        .Annotation(title="Complet ?")
        .Then(this.review)
        .Else(this.awaiting_information)
    )
    # Resumed when the organisation answers (`workflows.approval.commands.answer_request`); the clock is
    # paused meanwhile.
    awaiting_information = (
        ApprovalHandle()
        .Annotation(title="Complément attendu de l'organisme")
        .OnTimeout(this.answer_deadline, this.request_expired, title="Délai de réponse")
        .Next(this.completeness_check)
    )
    request_expired = (
        ApprovalFunction(this.expire_request).Annotation(title="Demande échue").Next(this.expired)
    )
    review = (
        ApprovalStep(views.ReviewView.as_view())
        .Annotation(title="Instruction sur la grille")
        .Permission(auto_create=True)
        .OnTimeout(this.review_due, this.escalate_review, title="Échéance")
        .Next(this.proposal)
    )
    escalate_review = ApprovalFunction(this.mark_escalated).Next(this.review_escalated)
    review_escalated = (
        ApprovalStep(views.ReviewView.as_view())
        .Annotation(title="Instruction sur la grille (en retard)")
        .Permission("workflows.manage_accreditationapprovalprocess")
        .Next(this.proposal)
    )
    proposal = (
        ApprovalStep(views.ProposalView.as_view())
        .Annotation(title="Proposition au conseil")
        .Permission(auto_create=True)
        .Next(this.board_decision)
    )
    board_decision = (
        ApprovalStep(views.BoardDecisionView.as_view())
        .Annotation(title="Décision du conseil")
        .Permission(auto_create=True)
        .Next(this.end)
    )
    end = flow.End()
    expired = flow.End().Annotation(title="Clos faute de complément")

    def attach_application(self, activation: Any, application: AccreditationApplication) -> Any:
        activation.process.save()
        services.attach_approval_process(application, activation.process)
        return activation.process

    def check_due(self, activation: Any) -> dt.datetime:
        # The clock set at submission, paused by a request and resumed by the answer with the time left.
        due = _application(activation).check_due_at
        return due or timezone.now() + dt.timedelta(days=settings.APPLICATION_CHECK_DAYS)

    def review_due(self, activation: Any) -> dt.datetime:
        return timezone.now() + dt.timedelta(days=settings.APPLICATION_REVIEW_DAYS)

    def answer_deadline(self, activation: Any) -> dt.datetime:
        answer_by = _application(activation).answer_by or timezone.localdate()
        return timezone.make_aware(dt.datetime.combine(answer_by + dt.timedelta(days=1), dt.time.min))

    def mark_escalated(self, activation: Any) -> None:
        services.escalate(_application(activation), step=activation.flow_task.name)

    def expire_request(self, activation: Any) -> None:
        services.expire_information_request(_application(activation))

    def in_review(self, activation: Any) -> bool:
        return _application(activation).status == ApplicationStatus.IN_REVIEW
