"""Thin task views: parse the form, call one casefiles service, then move the flow on."""

from __future__ import annotations

from typing import Any

from django.views import generic
from viewflow.views import FormLayoutMixin
from viewflow.workflow.flow.views import mixins

from backoffice.core.accounts.types import actor_of
from casefiles import services
from casefiles.models import CaseFile
from workflows.mixins import ServiceFormMixin
from workflows.pathway import forms
from workflows.pathway.selectors import case_file_of_process


class OpenCaseFileView(
    ServiceFormMixin,
    FormLayoutMixin,
    mixins.TaskSuccessUrlMixin,
    mixins.TaskViewTemplateNames,
    generic.FormView,
):
    form_class = forms.OpenCaseFileForm
    template_name = "workflows/open_file.html"

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "user": self.request.user}

    def run_service(self, form: Any) -> None:
        data = form.cleaned_data
        self.case_file = services.open_case_file(
            site=data["site"],
            certification=data["certification"],
            opened_on=data["opened_on"],
            candidate_data=form.candidate_data(),
            referrer=data["referrer"],
            funding=data["funding"],
            funding_note=data["funding_note"],
            reference=data["reference"],
            actor=actor_of(self.request),
        )
        self.request.activation.process.save()  # type: ignore[attr-defined]
        services.attach_process(
            self.case_file,
            self.request.activation.process,  # type: ignore[attr-defined]
            actor=actor_of(self.request),
        )


class CaseFileTaskView(
    ServiceFormMixin,
    FormLayoutMixin,
    mixins.TaskSuccessUrlMixin,
    mixins.TaskViewTemplateNames,
    generic.FormView,
):
    template_filename = "task.html"

    @property
    def case_file(self) -> CaseFile:
        return case_file_of_process(self.request.activation.process)  # type: ignore[attr-defined]

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "case_file": self.case_file}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "case_file": self.case_file}


class AssessmentTaskView(CaseFileTaskView):
    """Results per sub-domain, or per criterion with `?saisie=criteres` (the threshold rules then apply)."""

    form_class = forms.AssessmentForm
    template_name = "workflows/assessment_task.html"

    @property
    def by_criteria(self) -> bool:
        return self.request.GET.get("saisie") == "criteres"

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "by_criteria": self.by_criteria}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "by_criteria": self.by_criteria}


class PositioningView(AssessmentTaskView):
    def run_service(self, form: Any) -> None:
        services.record_positioning(
            self.case_file,
            assessed_on=form.cleaned_data["assessed_on"],
            assessor=form.cleaned_data["assessor"],
            results=form.results(),
            actor=actor_of(self.request),
        )


class TrainingPlanView(CaseFileTaskView):
    form_class = forms.TrainingPlanForm

    def run_service(self, form: Any) -> None:
        data = form.cleaned_data
        services.record_training_plan(
            self.case_file,
            training_site=data["training_site"],
            trainer=data["trainer"],
            domains=data["domains"],
            hours=data["hours"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            actor=actor_of(self.request),
        )


class FinalEvaluationView(AssessmentTaskView):
    def get_form_kwargs(self) -> dict[str, Any]:
        plan = self.case_file.training_plans.order_by("-number").first()
        return {**super().get_form_kwargs(), "domains": plan.domains.all() if plan else None}

    def run_service(self, form: Any) -> None:
        services.record_final_evaluation(
            self.case_file,
            assessed_on=form.cleaned_data["assessed_on"],
            assessor=form.cleaned_data["assessor"],
            results=form.results(),
            actor=actor_of(self.request),
        )


class JuryReturnView(CaseFileTaskView):
    """The jury's reason is shown; the evaluator completes the file or reopens questioned domains."""

    form_class = forms.JuryReturnForm
    template_name = "workflows/jury_return_task.html"

    def run_service(self, form: Any) -> None:
        services.answer_jury_return(
            self.case_file,
            response=form.cleaned_data["response"],
            reopened_domains=form.cleaned_data["reopened_domains"],
            actor=actor_of(self.request),
        )
