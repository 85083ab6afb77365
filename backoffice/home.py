"""What each person finds on their home page: what waits for them, within their scope."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from viewflow.urls import Application

from accreditation import selectors
from accreditation.models import AccreditationStatus
from accreditation.scoping import scope_of
from backoffice.core.accounts.roles import Role, roles_of
from casefiles.models import JurySessionStatus
from casefiles.selectors import jury_sessions_for

EXPIRY_WARNING_DAYS = 180
REGIONAL_ROLES = {Role.CASE_OFFICER, Role.SUPERVISOR, Role.JURY_MEMBER, Role.ADMINISTRATOR}
ORGANISATION_ROLES = {Role.EVALUATOR_STAFF, Role.TRAINER_STAFF}


def home_context(user: Any) -> dict[str, Any]:
    roles = roles_of(user)
    scope = scope_of(user)
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
