"""Node subclasses of the candidate pathway: undoing a human step reverts the case file too."""

from __future__ import annotations

from typing import Any

from viewflow.workflow import flow
from viewflow.workflow.flow import views as flow_views

from casefiles.services import undo_step


class ActorAwareUndoView(flow_views.UndoTaskView):
    """Viewflow's undo view, handing the acting supervisor to the node's undo function."""

    def form_valid(self, *args: Any, **kwargs: Any) -> Any:
        self.request.activation.undo_actor = self.request.user
        return super().form_valid(*args, **kwargs)


def undo_case_file_step(activation: Any) -> None:
    # Transitions called from code do not check who acts: the domain service does.
    undo_step(
        activation.process.case_file, activation.flow_task.name, actor=getattr(activation, "undo_actor", None)
    )


class CaseFileStep(flow.View):
    """A human step of the pathway; its undo goes through `casefiles.services.undo_step`."""

    undo_view_class = ActorAwareUndoView

    def __init__(self, view: Any, **kwargs: Any) -> None:
        super().__init__(view, undo_func=undo_case_file_step, **kwargs)
