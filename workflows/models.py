"""Proxy process and task models: one per flow, for its permissions and its scoped querysets."""

from __future__ import annotations

from typing import Any, cast

from viewflow.workflow.managers import ProcessQuerySet, TaskQuerySet
from viewflow.workflow.models import Process, Task

from casefiles.selectors import filter_by_case_file_scope


class ScopedProcessQuerySet(ProcessQuerySet):
    def scoped_for(self, user: Any) -> ScopedProcessQuerySet:
        """Processes whose case file the user may see."""
        return cast(ScopedProcessQuerySet, filter_by_case_file_scope(self, user, via="case_file"))

    def filter_available(self, flow_classes: Any, user: Any) -> Any:
        return super().filter_available(flow_classes, user).scoped_for(user)


class ScopedTaskQuerySet(TaskQuerySet):
    """Viewflow's permissions are model-wide: every task list is narrowed to the user's scope here."""

    def scoped_for(self, user: Any) -> ScopedTaskQuerySet:
        """Tasks whose case file the user may see."""
        return cast(ScopedTaskQuerySet, filter_by_case_file_scope(self, user, via="process__case_file"))

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


class AccreditationApprovalProcess(Process):
    """Campaigns are national: Viewflow's permissions (Certif'Pro staff only) are the whole scope."""

    class Meta:
        proxy = True
        verbose_name = "instruction d'une candidature"
        verbose_name_plural = "instructions des candidatures"


class AccreditationApprovalTask(Task):
    class Meta:
        proxy = True
        verbose_name = "tâche d'instruction"
        verbose_name_plural = "tâches d'instruction"
