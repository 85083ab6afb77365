"""The approval's pages in the Material site: scoped lists with the application and its campaign."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from viewflow.utils import viewprop
from viewflow.workflow.flow import FlowAppViewset
from viewflow.workflow.flow import views as flow_views

from workflows.approval.nodes import RefusedApprovalActionView


class ApplicationTaskColumns:
    """The approval's task lists: the application behind each task, read in the same query, oldest first."""

    columns = ("task_id", "task_title", "application", "campaign", "days_waiting", "owner")

    def with_applications(self, queryset: QuerySet) -> QuerySet:
        related = ("process__application__campaign", "process__application__organisation", "owner")
        return queryset.select_related(*related).order_by("created")

    def task_title(self, task: Any) -> str:
        return str(task.flow_task.task_title or task.flow_task.name)

    task_title.short_description = "Tâche"  # type: ignore[attr-defined]

    def application(self, task: Any) -> str:
        application = getattr(task.process, "application", None)
        return (application.legal_name or application.organisation.legal_name) if application else "—"

    application.short_description = "Candidature (organisme)"  # type: ignore[attr-defined]

    def campaign(self, task: Any) -> Any:
        application = getattr(task.process, "application", None)
        return application.campaign if application else "—"

    campaign.short_description = "Campagne"  # type: ignore[attr-defined]

    def days_waiting(self, task: Any) -> int:
        return (timezone.now() - task.created).days

    days_waiting.short_description = "Jours d'attente"  # type: ignore[attr-defined]


class ApprovalInboxView(ApplicationTaskColumns, flow_views.FlowInboxListView):
    @viewprop
    def queryset(self) -> QuerySet:
        return self.with_applications(super().queryset)


class ApprovalQueueView(ApplicationTaskColumns, flow_views.FlowQueueListView):
    @viewprop
    def queryset(self) -> QuerySet:
        return self.with_applications(super().queryset)


class ApprovalTaskListView(ApplicationTaskColumns, flow_views.DashboardTaskListView):
    @viewprop
    def queryset(self) -> QuerySet:
        return self.with_applications(super().queryset)


class ApprovalProcessListView(flow_views.DashboardProcessListView):
    def get_queryset(self) -> QuerySet:
        return super().get_queryset().order_by("-created", "-pk")  # newest first, stable across pages


class ApprovalFlowAppViewset(FlowAppViewset):
    """The approval's pages: a bare process cancel is refused like the steps' cancel, undo and revive; the
    task lists name the application and its campaign."""

    process_cancel_view_class = RefusedApprovalActionView
    inbox_view_class = ApprovalInboxView
    queue_view_class = ApprovalQueueView
    task_list_view_class = ApprovalTaskListView
    process_list_view_class = ApprovalProcessListView
