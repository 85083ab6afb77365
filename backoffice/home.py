"""What each person finds on their home page: what waits for them, within their scope, and the figures that
say how their work stands. Every read goes through a selector; each block costs a query or two."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from viewflow.urls import Application

from accreditation import selectors
from accreditation.models import AccreditationStatus
from accreditation.scoping import scope_of
from backoffice.core.accounts.roles import Role, roles_of
from casefiles import selectors as casefiles_selectors
from casefiles.models import JurySessionStatus
from casefiles.selectors import jury_sessions_for
from workflows.approval import selectors as approval_selectors
from workflows.pathway import selectors as pathway_selectors

EXPIRY_WARNING_DAYS = 180
REGIONAL_ROLES = {Role.CASE_OFFICER, Role.SUPERVISOR, Role.JURY_MEMBER, Role.ADMINISTRATOR}
ORGANISATION_ROLES = {Role.EVALUATOR_STAFF, Role.TRAINER_STAFF}
ALERT_ROLES = {Role.SUPERVISOR, Role.ADMINISTRATOR}


@dataclass(frozen=True)
class Alert:
    """A figure on the supervisor's home page, and the list that shows what it counts."""

    key: str
    label: str
    count: int
    url: str
    link: str


def days_since(moment: dt.datetime, now: dt.datetime) -> int:
    return max((now - moment).days, 0)


def evaluator_block(user: Any, now: dt.datetime) -> dict[str, Any]:
    """The organisation's files waiting at a step, the longest overdue first, and the counts per step."""
    tasks = pathway_selectors.waiting_tasks_for(user)
    rows = [
        {
            "task": task,
            "case_file": getattr(task.process, "case_file", None),
            "days": days_since(task.created, now),
            "due_on": pathway_selectors.step_due_on(task),
            "overdue": task.due_at is not None and task.due_at < pathway_selectors.late_since(now),
        }
        for task in tasks
    ]
    steps = pathway_selectors.waiting_counts_by_step(user, now=now)
    return {"waiting": rows, "steps": steps, "waiting_total": sum(step["count"] for step in steps)}


def officer_block(user: Any, now: dt.datetime) -> dict[str, Any]:
    """Applications waiting for the officer (by step, with their age and deadline) and the files still to
    check before the next juries of their regions."""
    applications = approval_selectors.waiting_applications(user, now=now)
    by_step: dict[str, list[int]] = {}
    for row in applications:
        counts = by_step.setdefault(row.step, [0, 0])
        counts[0] += 1
        counts[1] += int(row.overdue)
    to_check, to_check_total = casefiles_selectors.agenda_to_check(user)
    return {
        "applications": [
            {"row": row, "days": days_since(row.created, now), "due_on": _local(row.due_at)}
            for row in applications[:10]
        ],
        "applications_total": len(applications),
        "application_steps": [
            {"title": title, "count": count, "overdue": overdue}
            for title, (count, overdue) in by_step.items()
        ],
        "to_check": to_check,
        "to_check_total": to_check_total,
    }


def jury_block(user: Any) -> dict[str, Any]:
    """The next sessions of the member's regions with their files, and the last sessions held."""
    upcoming = casefiles_selectors.upcoming_sessions_for(user)
    agenda = list(casefiles_selectors.agenda_of(upcoming[0])[:15]) if upcoming else []
    return {
        "upcoming_sessions": upcoming,
        "next_agenda": agenda,
        "held_sessions": casefiles_selectors.held_sessions_for(user),
    }


def trainer_block(user: Any) -> dict[str, Any]:
    today = timezone.localdate()
    plans = casefiles_selectors.training_plans_for(user, today=today)
    soon = today + dt.timedelta(days=casefiles_selectors.ENDING_SOON_DAYS)
    return {
        "plans": [
            {"plan": plan, "in_progress": plan.starts_on <= today, "ending_soon": plan.ends_on <= soon}
            for plan in plans
        ],
        "plans_ending_soon": sum(1 for plan in plans if plan.starts_on <= today and plan.ends_on <= soon),
        "awaiting_plan": casefiles_selectors.files_awaiting_training_for(user, today=today),
    }


def alerts_for(user: Any, now: dt.datetime) -> list[Alert]:
    """What needs a supervisor's eye, each figure linked to the list that shows it."""
    certificates = casefiles_selectors.certificates_for(user)
    backlog = casefiles_selectors.transmission_backlog(certificates, today=timezone.localdate(now))
    approval = approval_selectors.waiting_applications(user, now=now, held_by_others=True)
    late_answers = sum(
        1 for row in approval if row.overdue and row.task.flow_task.name == "awaiting_information"
    )
    backlog_url = reverse("tableaux-de-bord:backlog")
    return [
        Alert(
            "pathway-overdue",
            "tâches du parcours candidat en retard",
            pathway_selectors.overdue_task_count(user, now=now),
            backlog_url,
            "Voir les stocks",
        ),
        Alert(
            "approval-overdue",
            "tâches d'instruction des candidatures en retard",
            sum(1 for row in approval if row.overdue) - late_answers,
            reverse("instruction:task_list"),
            "Voir les tâches d'instruction",
        ),
        Alert(
            "applications-late",
            "candidatures sans réponse de l'organisme dans le délai",
            late_answers,
            reverse("campagnes:index"),
            "Voir les campagnes",
        ),
        Alert(
            "accreditations-ending",
            "habilitations arrivant à échéance dans les 6 mois",
            selectors.accreditations_expiring(user, within_days=EXPIRY_WARNING_DAYS).count(),
            reverse("annuaire:habilitations:list"),
            "Voir les habilitations",
        ),
        Alert(
            "holders-not-sent",
            "titulaires jamais transmis au SI CPF 2 mois après l'obtention",
            backlog["reminded"],
            reverse("certificats:index") + "?non_transmis=1",
            "Voir les certificats à transmettre",
        ),
        Alert(
            "holders-late",
            "titulaires absents du SI CPF 3 mois après l'obtention (délai légal dépassé)",
            backlog["late"],
            reverse("certificats:index") + "?en_retard=1",
            "Voir les certificats en retard",
        ),
    ]


def _local(moment: dt.datetime | None) -> dt.date | None:
    return timezone.localdate(moment) if moment else None


def home_context(user: Any) -> dict[str, Any]:
    roles = roles_of(user)
    scope = scope_of(user)
    now = timezone.now()
    context: dict[str, Any] = {
        "roles": sorted(role.label for role in roles),
        "scope_national": scope.national,
        "scope_regions": list(selectors.regions_for(user).values_list("name", flat=True))
        if not scope.national
        else [],
        "expiring": list(selectors.accreditations_expiring(user, within_days=EXPIRY_WARNING_DAYS)[:10]),
        "suspended_count": selectors.accreditations_for(user)
        .filter(status=AccreditationStatus.SUSPENDED)
        .count(),
    }
    if roles & REGIONAL_ROLES and not scope.is_empty:
        context["region_summaries"] = list(selectors.region_summaries(user))
    upcoming = jury_sessions_for(user).filter(status__in=[JurySessionStatus.PLANNED, JurySessionStatus.OPEN])
    context["jury_sessions"] = list(upcoming.order_by("held_on", "pk")[:5])
    if roles & ORGANISATION_ROLES and scope.organisation_id:
        context["organisation"] = selectors.organisation_of(user)
        context["accreditations"] = list(
            selectors.accreditations_for(user).filter(site__organisation_id=scope.organisation_id)
        )
    if Role.EVALUATOR_STAFF in roles and not scope.is_empty:
        context["evaluator"] = evaluator_block(user, now)
    if Role.TRAINER_STAFF in roles:
        context["trainer"] = trainer_block(user)
    if Role.CASE_OFFICER in roles and not scope.is_empty:
        context["officer"] = officer_block(user, now)
    if Role.JURY_MEMBER in roles and not scope.is_empty:
        context["jury"] = jury_block(user)
    if roles & ALERT_ROLES:
        context["alerts"] = alerts_for(user, now)
    if Role.ADMINISTRATOR in roles:
        context["draft_frameworks"] = list(selectors.draft_framework_versions())
        context["is_administrator"] = True
    return context


def home(request: HttpRequest) -> HttpResponse:
    """The signed-in person's home page: what waits for them in their scope."""
    return TemplateResponse(request, "backoffice/home.html", home_context(request.user))


class HomeApp(Application):
    title = "Accueil"
    icon = "home"
    app_name = "accueil"
    menu_template_name = None  # a single page: no sub-menu
    base_template_name = "backoffice/base_page.html"
    index_path = path("", home, name="index")
