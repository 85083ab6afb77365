"""Workload: the open tasks each person holds, the files on each jury member's agendas, and the bulk
reassignment of an absent person's tasks. One aggregate query per table, within the person's scope."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from viewflow.workflow.status import STATUS

from backoffice.core.accounts.types import Actor, actor_of
from casefiles.models import JuryMember, JurySessionStatus
from casefiles.selectors import jury_sessions_for
from workflows.flows import AccreditationApprovalFlow
from workflows.models import AccreditationApprovalTask, CandidatePathwayTask

from . import backlog, services
from .filters import Filters
from .tables import Table

ROUTE = "tableaux-de-bord:workload"
TITLE = "Charge de travail"
INTRO = (
    "Tâches ouvertes du parcours candidat et de l'instruction des habilitations tenues par chaque personne, "
    "et dossiers à l'ordre du jour des jurys à venir de chaque membre. Les superviseur·es réassignent les "
    "tâches d'une personne absente."
)
UNASSIGNED = "(non assignées)"
PERSON_HEADERS = ["personne", "tâches ouvertes", "dont commencées", "en retard"]
APPROVAL_PERMISSION = "workflows.view_accreditationapprovalprocess"
UPCOMING = [JurySessionStatus.PLANNED, JurySessionStatus.OPEN]


def _label(values: dict[str, Any], prefix: str) -> str:
    if values[prefix] is None:
        return UNASSIGNED
    full = f"{values[f'{prefix}__first_name']} {values[f'{prefix}__last_name']}".strip()
    username = values[f"{prefix}__username"]
    return f"{full} ({username})" if full else username


def _person_fields(prefix: str) -> list[str]:
    return [prefix, f"{prefix}__first_name", f"{prefix}__last_name", f"{prefix}__username"]


def _person_rows(queryset: Any) -> list[list[Any]]:
    """One row per owner, most loaded first; the tasks nobody holds last."""
    rows = list(queryset)
    held = [row for row in rows if row["owner"] is not None]
    free = [row for row in rows if row["owner"] is None]
    return [[_label(row, "owner"), row["open"], row["started"], row["overdue"]] for row in [*held, *free]]


def _person_chart() -> dict[str, Any]:
    return {"type": "bar", "columns": [1, 3]}


def by_person(user: Any, filters: Filters, *, now: dt.datetime | None = None) -> Table:
    """The pathway's open tasks per owner: held, started, past their step's due time."""
    figures = backlog._figures(now or timezone.now())
    rows = (
        backlog.open_tasks(user, filters)
        .filter(flow_task__in=services.assignable_steps())
        .values(*_person_fields("owner"))
        .annotate(
            open=figures["open"],
            started=Count("id", filter=Q(status=STATUS.STARTED)),
            overdue=figures["overdue"],
        )
        .order_by("-open", "owner__last_name", "owner__username")
    )
    return Table(
        "personnes", "Tâches par personne", PERSON_HEADERS, _person_rows(rows), chart=_person_chart()
    )


def late_approval_steps() -> list[Any]:
    """The approval's steps reached once a deadline has passed (escalated to the supervisors)."""
    return [
        AccreditationApprovalFlow.completeness_check_escalated,
        AccreditationApprovalFlow.review_escalated,
    ]


def approval_by_person(user: Any, filters: Filters) -> Table | None:
    """The approval's open tasks per owner. Campaigns are national: Viewflow's permission is the whole scope,
    and the region and certification filters do not apply; the period does (the task's creation)."""
    if not user.has_perm(APPROVAL_PERMISSION):
        return None
    rows = (
        AccreditationApprovalTask.objects.filter(
            status__in=backlog.OPEN, flow_task__in=services.approval_steps()
        )
        .filter(filters.period_q("created__date"))
        .values(*_person_fields("owner"))
        .annotate(
            open=Count("id"),
            started=Count("id", filter=Q(status=STATUS.STARTED)),
            overdue=Count("id", filter=Q(flow_task__in=late_approval_steps())),
        )
        .order_by("-open", "owner__last_name", "owner__username")
    )
    return Table(
        "instruction",
        "Tâches d'instruction des habilitations par personne (nationales)",
        PERSON_HEADERS,
        _person_rows(rows),
        chart=_person_chart(),
    )


def by_jury_member(user: Any, filters: Filters) -> Table:
    """Per member of the planned or open sessions of the person's regions: sessions, files on their agendas,
    files still to decide. The period is the session's date; the certification, the files'."""
    sessions = (
        jury_sessions_for(user)
        .filter(status__in=UPCOMING)
        .filter(filters.regions_q("region"))
        .filter(filters.period_q("held_on"))
    )
    on_agenda = filters.certification_q("session__agenda__case_file__certification")
    undecided = on_agenda & Q(session__agenda__decision="", session__agenda__adjourned_at=None)
    rows = (
        JuryMember.objects.filter(session__in=sessions.values("pk"))
        .values(*_person_fields("user"))
        .annotate(
            sessions=Count("session", distinct=True),
            files=Count("session__agenda", distinct=True, filter=on_agenda or None),
            to_decide=Count("session__agenda", distinct=True, filter=undecided),
        )
        .order_by("-files", "user__last_name", "user__username")
    )
    return Table(
        "jury",
        "Dossiers par membre de jury",
        ["membre", "sessions à venir", "dossiers à l'ordre du jour", "dont à décider"],
        [[_label(row, "user"), row["sessions"], row["files"], row["to_decide"]] for row in rows],
        chart={"type": "bar", "columns": [2, 3]},
    )


def workload_tables(user: Any, filters: Filters) -> list[Table]:
    tables = [by_person(user, filters), by_jury_member(user, filters)]
    approval = approval_by_person(user, filters)
    return tables if approval is None else [*tables, approval]


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        full = obj.get_full_name()
        return f"{full} ({obj.get_username()})" if full else obj.get_username()


class ReassignForm(forms.Form):
    from_user = PersonChoiceField(get_user_model().objects.none(), label="Tâches de")
    to_user = PersonChoiceField(get_user_model().objects.none(), label="Réassigner à")
    confirm = forms.BooleanField(
        label="Je confirme : toutes ses tâches ouvertes dans mon périmètre passent à cette personne, "
        "sauf celles qu'elle ne peut pas prendre.",
        error_messages={"required": "Cochez la confirmation pour réassigner les tâches."},
    )

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        users = get_user_model().objects.order_by("last_name", "first_name", "username")
        holders = CandidatePathwayTask.objects.scoped_for(actor).filter(
            status__in=services.HELD, flow_task__in=services.assignable_steps()
        )
        officers = AccreditationApprovalTask.objects.filter(
            status__in=services.HELD, flow_task__in=services.approval_steps()
        )
        if not actor.has_perm(APPROVAL_PERMISSION):
            officers = officers.none()
        holding = Q(pk__in=holders.values("owner_id")) | Q(pk__in=officers.values("owner_id"))
        self.fields["from_user"].queryset = users.filter(holding)  # type: ignore[attr-defined]
        self.fields["to_user"].queryset = users.filter(is_active=True)  # type: ignore[attr-defined]


def workload_page(request: HttpRequest) -> HttpResponse:
    """The generic dashboard (tables, filters, exports) and the reassignment form for those allowed."""
    from .views import render_dashboard

    response = render_dashboard(request, title=TITLE, intro=INTRO, build=workload_tables)
    if isinstance(response, TemplateResponse):
        response.template_name = "backoffice/dashboards/workload.html"
        if services.may_reassign(request.user):
            assert isinstance(response.context_data, dict)
            response.context_data["reassign_form"] = ReassignForm(actor=actor_of(request))
    return response


@require_POST
def reassign_view(request: HttpRequest) -> HttpResponse:
    """Move an absent person's tasks, then back to the page with the outcome (or why nothing changed)."""
    actor = actor_of(request)
    services.check_may_reassign(actor)
    form = ReassignForm(request.POST, actor=actor)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, f"Rien n'a été réassigné : {error}")
        return HttpResponseRedirect(reverse(ROUTE))
    giver, taker = form.cleaned_data["from_user"], form.cleaned_data["to_user"]
    try:
        outcome = services.reassign_tasks(from_user=giver, to_user=taker, actor=actor)
    except ValidationError as error:
        messages.error(request, "Rien n'a été réassigné : " + " ".join(error.messages))
        return HttpResponseRedirect(reverse(ROUTE))
    messages.success(request, _outcome_message(outcome, giver, taker))
    return HttpResponseRedirect(reverse(ROUTE))


def _outcome_message(outcome: services.Reassignment, giver: Any, taker: Any) -> str:
    text = (
        f"{outcome.moved} tâche(s) réassignée(s) de {services.person_label(giver)} "
        f"à {services.person_label(taker)}."
    )
    if outcome.left:
        text += (
            f" {outcome.left} tâche(s) laissée(s) à {services.person_label(giver)} : "
            f"{services.person_label(taker)} ne peut pas les prendre "
            "(permission de l'étape ou dossier hors de son périmètre)."
        )
    return text
