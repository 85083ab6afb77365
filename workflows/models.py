"""Proxy process and task models: one per flow, for its permissions and its scoped querysets."""

from __future__ import annotations

from typing import Any, cast

from viewflow.workflow.managers import ProcessQuerySet, TaskQuerySet
from viewflow.workflow.models import Process, Task

from accreditation.scoping import scope_of


class ScopedProcessQuerySet(ProcessQuerySet):
    def scoped_for(self, user: Any) -> ScopedProcessQuerySet:
        """Processes whose case file is in the user's region or organisation."""
        scope = scope_of(user)
        if scope.is_empty:
            return self.none()
        region, organisation = (
            "case_file__evaluation_site__region_id",
            "case_file__evaluation_site__organisation_id",
        )
        return cast(ScopedProcessQuerySet, scope.filter(self, region=region, organisation=organisation))

    def filter_available(self, flow_classes: Any, user: Any) -> Any:
        return super().filter_available(flow_classes, user).scoped_for(user)


class ScopedTaskQuerySet(TaskQuerySet):
    """Viewflow's permissions are model-wide: every task list is narrowed to the user's scope here."""

    def scoped_for(self, user: Any) -> ScopedTaskQuerySet:
        scope = scope_of(user)
        if scope.is_empty:
            return self.none()
        region = "process__case_file__evaluation_site__region_id"
        organisation = "process__case_file__evaluation_site__organisation_id"
        return cast(ScopedTaskQuerySet, scope.filter(self, region=region, organisation=organisation))

    def filter_available(self, flow_classes: Any, user: Any) -> Any:
        return super().filter_available(flow_classes, user).scoped_for(user)

    def user_queue(self, user: Any, flow_class: Any = None) -> Any:
        return super().user_queue(user, flow_class=flow_class).scoped_for(user)

    def user_archive(self, user: Any, flow_class: Any = None) -> Any:
        return super().user_archive(user, flow_class=flow_class).scoped_for(user)


class CandidatePathwayProcess(Process):
    objects = ScopedProcessQuerySet.as_manager()

    class Meta:
        proxy = True
        verbose_name = "parcours candidat"
        verbose_name_plural = "parcours candidats"


class CandidatePathwayTask(Task):
    objects = ScopedTaskQuerySet.as_manager()

    class Meta:
        proxy = True
        verbose_name = "tâche du parcours candidat"
        verbose_name_plural = "tâches du parcours candidat"
