"""Node subclasses of the candidate pathway: undoing or reviving a human step keeps the case file in line."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from viewflow.workflow import flow
from viewflow.workflow.flow import views as flow_views
from viewflow.workflow.status import STATUS

from casefiles.models import CaseFileState
from casefiles.services import undo_step

# The step a revived task stands for must be the step the file is at, or the flow and the file diverge.
STEP_OF_STATE = {
    "positioning": CaseFileState.POSITIONING,
    "training_plan": CaseFileState.TRAINING,
    "final_evaluation": CaseFileState.FINAL_EVALUATION,
    "jury_return": CaseFileState.RETURNED,
    "ready_for_jury": CaseFileState.READY_FOR_JURY,
    "certificate_issued": CaseFileState.CERTIFIED,
}


class ActorAwareUndoView(flow_views.UndoTaskView):
    """Viewflow's undo view, handing the acting supervisor to the node's undo function."""

    def form_valid(self, *args: Any, **kwargs: Any) -> Any:
        self.request.activation.undo_actor = self.request.user
        try:
            with transaction.atomic():
                return super().form_valid(*args, **kwargs)
        except ValidationError as error:  # e.g. a step that cannot be undone: nothing changed
            messages.error(self.request, " ".join(error.messages))
            return HttpResponseRedirect(self.get_success_url())


class StateCheckedReviveView(flow_views.ReviveTaskView):
    """Viewflow's revive view, refusing a step that does not match the case file's state."""

    def form_valid(self, *args: Any, **kwargs: Any) -> Any:
        activation = self.request.activation
        case_file = activation.process.case_file
        if STEP_OF_STATE.get(activation.flow_task.name) != case_file.state:
            state = case_file.get_state_display().lower()
            messages.error(
                self.request, f"Le dossier est « {state} » : cette étape ne peut pas être relancée."
            )
            raise PermissionDenied("Étape sans rapport avec l'état du dossier.")
        return super().form_valid(*args, **kwargs)


def undo_case_file_step(activation: Any) -> None:
    # Transitions called from code do not check who acts: the domain service does.
    actor = getattr(activation, "undo_actor", None)
    undo_step(activation.process.case_file, activation.flow_task.name, actor=actor)
    # The 5-year timers armed by later steps would otherwise fire on a file that has moved back.
    for timer in activation.process.task_set.filter(flow_task_type="TIMER", status=STATUS.SCHEDULED):
        timer.flow_task.activation_class(timer).cancel()


class CaseFileStep(flow.View):
    """A human step of the pathway; its undo goes through `casefiles.services.undo_step`."""

    undo_view_class = ActorAwareUndoView
    revive_view_class = StateCheckedReviveView

    def __init__(self, view: Any, **kwargs: Any) -> None:
        super().__init__(view, undo_func=undo_case_file_step, **kwargs)


def refuse_undo(activation: Any) -> None:
    raise ValidationError("Cette étape ne peut pas être annulée : la décision appartient au jury.")


class JuryStep(flow.Handle):
    """A step the jury (or its certificate job) completes: never undone by hand, revived only in line."""

    undo_view_class = ActorAwareUndoView
    revive_view_class = StateCheckedReviveView

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(undo_func=refuse_undo, **kwargs)
