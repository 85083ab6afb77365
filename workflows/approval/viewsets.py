"""The approval's pages in the Material site: scoped lists with the application and its campaign."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from viewflow.utils import viewprop
from viewflow.workflow.flow import FlowAppViewset
from viewflow.workflow.flow import views as flow_views

from workflows.approval.nodes import RefusedApprovalActionView
from workflows.approval.selectors import certification_names, step_due_at
from workflows.dashboard import Card, CardDashboardView, days_since


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


def application_due_on(task: Any, application: Any) -> dt.date | None:
    """The open step's deadline (`step_due_at`, the process's one rule), as a day."""
    if task.finished is not None:
        return None
    due = step_due_at(
        task.flow_task.name,
        task.created,
        check_due_at=application.check_due_at,
        answer_by=application.answer_by,
    )
    return timezone.localdate(due) if due else None


def requested_certifications(application: Any) -> list[str]:
    """The certification codes the application asks for, site by site, in order, without repeats."""
    codes = (
        scope.get("certification")
        for site in (application.content or {}).get("sites", [])
        for scope in site.get("scopes", [])
    )
    return list(dict.fromkeys(code for code in codes if code))


class ApprovalDashboardView(CardDashboardView):
    """Each card: the organisation, the certifications it applies for, the days waiting, the due date."""

    card_related = ("process__application__organisation", "process__application__campaign", "owner")

    def cards(self, tasks: QuerySet) -> list[Card]:
        rows = list(tasks.select_related(*self.card_related))
        applications = [getattr(task.process, "application", None) for task in rows]
        codes = {code for app in applications if app for code in requested_certifications(app)}
        self.names = certification_names(codes) if codes else {}
        return [self.card(task) for task in rows]

    def card(self, task: Any) -> Card:
        application = getattr(task.process, "application", None)
        if application is None:
            return Card(task=task, who="Candidature", what="—", days_waiting=days_since(task.created))
        wanted = [self.names.get(code, code) for code in requested_certifications(application)]
        return Card(
            task=task,
            who=application.legal_name or application.organisation.legal_name,
            what=", ".join(wanted) or str(application.campaign),
            days_waiting=days_since(task.created),
            due_on=application_due_on(task, application),
        )


class ApprovalFlowAppViewset(FlowAppViewset):
    """The approval's pages: a bare process cancel is refused like the steps' cancel, undo and revive; the
    task lists name the application and its campaign."""

    dashboard_view_class = ApprovalDashboardView
    process_cancel_view_class = RefusedApprovalActionView
    inbox_view_class = ApprovalInboxView
    queue_view_class = ApprovalQueueView
    task_list_view_class = ApprovalTaskListView
    process_list_view_class = ApprovalProcessListView
