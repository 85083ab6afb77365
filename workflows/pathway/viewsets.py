"""The pathway's pages in the Material site: every list scoped, with the columns case officers expect."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpResponseRedirect
from django.views import generic
from viewflow.utils import viewprop
from viewflow.workflow.flow import FlowAppViewset
from viewflow.workflow.flow import views as flow_views

from workflows.dashboard import Card, CardDashboardView, days_since
from workflows.pathway.filters import QueueFilter, TaskListFilter
from workflows.pathway.selectors import case_file_of_process, step_due_on, tasks_for

RELATED = (
    "process__case_file__candidate",
    "process__case_file__certification",
    "process__case_file__evaluation_site__organisation",
    "process__case_file__evaluation_site__region",
)


class CaseFileTaskColumns:
    """Columns on the task's case file, read in the same query (no per-row lookups), oldest first."""

    columns = (
        "task_id",
        "task_title",
        "candidate",
        "certification",
        "organisation",
        "region",
        "days_waiting",
        "due_on",
    )

    def with_case_files(self, queryset: QuerySet) -> QuerySet:
        return queryset.select_related(*RELATED).order_by("created")

    def task_title(self, task: Any) -> str:
        return str(task.title)

    task_title.short_description = "Tâche"  # type: ignore[attr-defined]

    def candidate(self, task: Any) -> Any:
        return task.process.case_file.candidate

    candidate.short_description = "Candidat·e"  # type: ignore[attr-defined]

    def certification(self, task: Any) -> Any:
        return task.process.case_file.certification

    certification.short_description = "Certification"  # type: ignore[attr-defined]

    def organisation(self, task: Any) -> Any:
        return task.process.case_file.evaluation_site.organisation

    organisation.short_description = "Organisme"  # type: ignore[attr-defined]

    def region(self, task: Any) -> Any:
        return task.process.case_file.evaluation_site.region

    region.short_description = "Région"  # type: ignore[attr-defined]

    def days_waiting(self, task: Any) -> int:
        return days_since(task.created)

    days_waiting.short_description = "Jours d'attente"  # type: ignore[attr-defined]

    def due_on(self, task: Any) -> dt.date | None:
        return step_due_on(task)

    due_on.short_description = "Échéance"  # type: ignore[attr-defined]


class PathwayDashboardView(CardDashboardView):
    """Each card: the candidate, the certification, the days waiting, the step's due date."""

    card_related = ("process__case_file__candidate", "process__case_file__certification", "owner")

    def card(self, task: Any) -> Card:
        case_file = getattr(task.process, "case_file", None)
        if case_file is None:  # a process started in bulk whose file is not attached yet
            waited = days_since(task.created)
            return Card(task=task, who="Dossier en cours d'import", what="—", days_waiting=waited)
        return Card(
            task=task,
            who=str(case_file.candidate),
            what=case_file.certification.name,
            days_waiting=days_since(task.created),
            due_on=step_due_on(task),
        )


class ScopedInboxView(CaseFileTaskColumns, flow_views.FlowInboxListView):
    filterset_class = QueueFilter

    @viewprop
    def queryset(self) -> QuerySet:
        return self.with_case_files(super().queryset.scoped_for(self.request.user))


class ScopedQueueView(CaseFileTaskColumns, flow_views.FlowQueueListView):
    filterset_class = QueueFilter

    @viewprop
    def queryset(self) -> QuerySet:
        return self.with_case_files(super().queryset)  # the queue is scoped by the task queryset


class ScopedTaskListView(CaseFileTaskColumns, flow_views.DashboardTaskListView):
    filterset_class = TaskListFilter

    @viewprop
    def queryset(self) -> QuerySet:
        return self.with_case_files(super().queryset.scoped_for(self.request.user))


class ScopedProcessListView(flow_views.DashboardProcessListView):
    def get_queryset(self) -> QuerySet:
        return super().get_queryset().scoped_for(self.request.user).order_by("-created")


class ScopedBulkAssignView(flow_views.BulkAssignTasksActionView):
    def get_queryset(self) -> QuerySet:
        self.queryset = tasks_for(self.request.user)
        return super().get_queryset()


class ScopedBulkUnassignView(flow_views.BulkUnassignTasksActionView):
    def get_queryset(self) -> QuerySet:
        self.queryset = tasks_for(self.request.user)
        return super().get_queryset()


class AbandonInsteadOfCancelView(generic.View):
    """A process ends through the file's abandon (reason required, audited), never by a bare cancel."""

    flow_class = None
    viewset = None

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        case_file = case_file_of_process(kwargs["process_pk"])  # in scope: checked by the middleware
        messages.info(request, "Pour arrêter un parcours, abandonnez le dossier en indiquant le motif.")
        return HttpResponseRedirect(case_file.get_absolute_url())


class ScopedFlowAppViewset(FlowAppViewset):
    """Archive and dashboard are scoped by the task queryset; these lists by their own views."""

    dashboard_view_class = PathwayDashboardView
    inbox_view_class = ScopedInboxView
    queue_view_class = ScopedQueueView
    task_list_view_class = ScopedTaskListView
    process_list_view_class = ScopedProcessListView
    process_cancel_view_class = AbandonInsteadOfCancelView
    tasks_assign_view_class = ScopedBulkAssignView
    tasks_unassign_view_class = ScopedBulkUnassignView
