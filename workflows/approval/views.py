"""Thin task views of the accreditation approval: parse the form, call one accreditation service, move on."""

from __future__ import annotations

from typing import Any

from django.views import generic
from viewflow.views import FormLayoutMixin
from viewflow.workflow.flow.views import mixins

from accreditation import services
from accreditation.models import AccreditationApplication
from backoffice.core.accounts.types import actor_of
from workflows.approval import forms as approval_forms
from workflows.approval.selectors import application_of_process
from workflows.mixins import ServiceFormMixin


class ApplicationTaskView(
    ServiceFormMixin,
    FormLayoutMixin,
    mixins.TaskSuccessUrlMixin,
    mixins.TaskViewTemplateNames,
    generic.FormView,
):
    template_name = "workflows/approval_task.html"

    @property
    def application(self) -> AccreditationApplication:
        return application_of_process(self.request.activation.process)  # type: ignore[attr-defined]

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "application": self.application}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "application": self.application}


class CompletenessView(ApplicationTaskView):
    form_class = approval_forms.CompletenessForm

    def run_service(self, form: Any) -> None:
        data = form.cleaned_data
        services.check_completeness(
            self.application,
            complete=data["complete"],
            message=data["message"],
            answer_by=data["answer_by"],
            documents=data["documents"],
            sections=data["sections"],
            questions=data["questions"],
            actor=actor_of(self.request),
        )


class ReviewView(ApplicationTaskView):
    form_class = approval_forms.ReviewForm

    def run_service(self, form: Any) -> None:
        services.record_review(
            self.application,
            scores=form.scores(),
            recommendation=form.cleaned_data["recommendation"],
            actor=actor_of(self.request),
        )


class ProposalView(ApplicationTaskView):
    form_class = approval_forms.ScopeChoicesForm

    def run_service(self, form: Any) -> None:
        services.propose_to_board(self.application, choices=form.choices(), actor=actor_of(self.request))


class BoardDecisionView(ApplicationTaskView):
    form_class = approval_forms.ScopeChoicesForm

    def run_service(self, form: Any) -> None:
        services.record_board_decision(self.application, choices=form.choices(), actor=actor_of(self.request))
