"""Every Viewflow page of one process (detail, task, assign, undo…) is 404 outside the user's scope."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from viewflow.workflow.models import Task

from accreditation.selectors import applications_for
from backoffice.core.accounts.roles import Role, has_role
from casefiles.selectors import case_files_for


class ProcessScopeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view: Any, args: Any, kwargs: dict[str, Any]) -> None:
        process_pk = kwargs.get("process_pk")
        if process_pk is None:
            return None
        # The permission model is not object-level: the process must belong to a file the user may see.
        visible = case_files_for(request.user).filter(process_id=process_pk).exists() or (
            has_role(request.user, Role.CASE_OFFICER, Role.SUPERVISOR, Role.ADMINISTRATOR)
            and applications_for(request.user).filter(process_id=process_pk).exists()
        )
        if not visible:
            raise Http404("Dossier introuvable.")
        # Viewflow loads the task by its own pk: it must be a task of that very process.
        task_pk = kwargs.get("task_pk")
        if task_pk is not None and not Task.objects.filter(pk=task_pk, process_id=process_pk).exists():
            raise Http404("Tâche introuvable.")
        return None
