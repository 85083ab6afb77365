"""Filters on the case file behind each task; choices are limited to the user's scope."""

from __future__ import annotations

from typing import Any

from django_filters import FilterSet, ModelChoiceFilter
from viewflow.workflow.fields import get_task_ref
from viewflow.workflow.flow.views.filters import DashboardTaskListViewFilter, FlowUserTaskListFilter

from accreditation.selectors import certifications, organisations_for, regions_for


def _regions(request: Any) -> Any:
    return regions_for(request.user) if request else None


def _organisations(request: Any) -> Any:
    return organisations_for(request.user) if request else None


class CaseFileTaskFilters(FilterSet):
    certification = ModelChoiceFilter(
        label="Certification",
        field_name="process__case_file__certification",
        queryset=certifications(),
    )
    region = ModelChoiceFilter(
        label="Région", field_name="process__case_file__evaluation_site__region", queryset=_regions
    )
    organisation = ModelChoiceFilter(
        label="Organisme",
        field_name="process__case_file__evaluation_site__organisation",
        queryset=_organisations,
    )


def step_choices() -> list[tuple[str, str]]:
    """The pathway's human steps, from the flow itself: Viewflow's filters read them with a DISTINCT over
    every task of the list (150 ms a page with ten years of tasks)."""
    from workflows.pathway.flow import CandidatePathwayFlow

    flow = CandidatePathwayFlow
    return [
        (get_task_ref(node), str(node.task_title or node.name))
        for node in flow.instance.nodes()
        if getattr(node, "task_type", None) == "HUMAN"
    ]


class QueueFilter(CaseFileTaskFilters, FlowUserTaskListFilter):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        FilterSet.__init__(self, *args, **kwargs)  # not Viewflow's: see `step_choices`
        self.filters["flow_task"].field.choices = step_choices()

    class Meta(FlowUserTaskListFilter.Meta):
        fields = ("flow_task", "certification", "region", "organisation", "created")


class TaskListFilter(CaseFileTaskFilters, DashboardTaskListViewFilter):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        FilterSet.__init__(self, *args, **kwargs)  # not Viewflow's: see `step_choices`
        self.filters["flow_task"].field.choices = step_choices()

    class Meta(DashboardTaskListViewFilter.Meta):
        fields = ["flow_task", "status", "certification", "region", "organisation", "created", "finished"]
