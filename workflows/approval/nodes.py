"""Node subclasses of the accreditation approval: its steps are never cancelled, undone or revived by hand."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.views import generic
from viewflow.workflow import flow


class RefusedApprovalActionView(generic.View):
    """Cancelling, undoing or reviving a step of an application's approval by hand would leave the application
    behind its process: refused, with the reason."""

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        messages.error(
            request,
            "Action indisponible : l'instruction d'une candidature suit ses étapes "
            "(complément, instruction, proposition, décision du conseil).",
        )
        return HttpResponseRedirect(
            reverse("instruction:process_detail", kwargs={"process_pk": kwargs["process_pk"]})
        )


class _Guarded:
    cancel_view_class = RefusedApprovalActionView
    undo_view_class = RefusedApprovalActionView
    revive_view_class = RefusedApprovalActionView


class ApprovalStep(_Guarded, flow.View):
    """A human step of the approval."""


class ApprovalHandle(_Guarded, flow.Handle):
    """A step resumed from outside (the organisation's answer)."""


class ApprovalIf(_Guarded, flow.If):
    pass


class ApprovalFunction(_Guarded, flow.Function):
    pass
