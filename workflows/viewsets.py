"""The flow's pages in the Material site, every list narrowed to the user's scope."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from viewflow.utils import viewprop
from viewflow.workflow.flow import FlowAppViewset
from viewflow.workflow.flow import views as flow_views


class ScopedInboxView(flow_views.FlowInboxListView):
    @viewprop
    def queryset(self) -> QuerySet:
        return super().queryset.scoped_for(self.request.user)


class ScopedTaskListView(flow_views.DashboardTaskListView):
    @viewprop
    def queryset(self) -> QuerySet:
        return super().queryset.scoped_for(self.request.user)


class ScopedProcessListView(flow_views.DashboardProcessListView):
    def get_queryset(self) -> QuerySet:
        return super().get_queryset().scoped_for(self.request.user).order_by("-created")


class ScopedFlowAppViewset(FlowAppViewset):
    """Queue, archive and dashboard are scoped by the task queryset; these lists by their own views."""

    inbox_view_class = ScopedInboxView
    task_list_view_class = ScopedTaskListView
    process_list_view_class = ScopedProcessListView

    def has_view_permission(self, user: Any, obj: Any = None) -> bool:
        return super().has_view_permission(user, obj=obj)
