"""The dashboards' pages (/tableaux-de-bord/…): filters in the URL, each table with its chart and its CSV
and XLSX export of exactly the figures shown. Supervisors, case officers and administrators, within scope."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.views.decorators.http import require_GET
from viewflow.urls import Application

from accreditation.scoping import scope_of
from backoffice.core.accounts.roles import Role, has_role

from . import approval_backlog, backlog, campaigns, cpf, outcomes, throughput, workload
from .filters import Filters, read_filters
from .tables import Table, export_response

DASHBOARD_ROLES = (Role.SUPERVISOR, Role.CASE_OFFICER, Role.ADMINISTRATOR)
Builder = Callable[[Any, Filters], list[Table]]


def may_see_dashboards(user: Any) -> bool:
    return has_role(user, *DASHBOARD_ROLES)


def render_dashboard(
    request: HttpRequest,
    *,
    title: str,
    intro: str,
    build: Builder,
    notice: Callable[[], str] | None = None,
) -> HttpResponse:
    """The page, or with `?table=…&format=csv|xlsx` one of its tables as a file."""
    if not may_see_dashboards(request.user):
        raise PermissionDenied(
            "Les tableaux de bord sont réservés aux superviseur·es et aux chargé·es d'instruction."
        )
    form, filters = read_filters(request.user, request.GET)
    tables = build(request.user, filters) if filters is not None else []
    wanted, fmt = request.GET.get("table"), request.GET.get("format")
    if wanted or fmt:
        table = next((t for t in tables if t.key == wanted), None)
        if table is None or fmt not in ("csv", "xlsx"):
            raise Http404("Tableau ou format inconnu.")
        return export_response(table, fmt, page=title)
    context = {
        "title": title,
        "intro": intro,
        "notice": notice() if notice else "",
        "form": form,
        "tables": [
            (
                t,
                t.chart_data(),
                f"chart-{t.key}",
                list(zip(t.rows, t.links or [None] * len(t.rows), strict=True)),
            )
            for t in tables
        ],
        "query": filters.query() if filters else "",
        # The fees are finance's (national supervisors and administrators: backoffice/fees/selectors.py).
        "shows_fees": has_role(request.user, Role.SUPERVISOR, Role.ADMINISTRATOR)
        and scope_of(request.user).national,
    }
    return TemplateResponse(request, "backoffice/dashboards/page.html", context)


def dashboard_page(
    *, title: str, intro: str, build: Builder, notice: Callable[[], str] | None = None
) -> Callable[[HttpRequest], HttpResponse]:
    @require_GET
    def page(request: HttpRequest) -> HttpResponse:
        return render_dashboard(request, title=title, intro=intro, build=build, notice=notice)

    return page


def backlog_tables(user: Any, filters: Filters) -> list[Table]:
    """The candidate pathway's backlog, then the accreditation approval's for those who may see it."""
    return [*backlog.backlog_tables(user, filters), *approval_backlog.tables(user, filters)]


backlog_page = dashboard_page(
    title="Stocks et retards",
    intro=(
        "Tâches ouvertes du parcours candidat et de l'instruction des habilitations, par ancienneté, "
        "et celles qui ont passé leur échéance."
    ),
    build=backlog_tables,
)
throughput_page = dashboard_page(
    title="Flux et délais",
    intro="Dossiers ouverts, évalués, présentés au jury et certifiés, par mois et par semaine ; délais.",
    build=throughput.throughput_tables,
)
campaigns_page = dashboard_page(
    title="Campagnes d'habilitation",
    intro="Candidatures par état et durée des états, décisions, établissements habilités, échéances.",
    build=campaigns.campaign_tables,
)
outcomes_page = dashboard_page(
    title="Résultats et publics",
    intro="Participants, certifiés et profil des candidat·es (chiffres recalculés chaque heure).",
    build=outcomes.outcome_tables,
    notice=outcomes.freshness,
)
cpf_page = dashboard_page(
    title="Titulaires au SI CPF",
    intro=(
        "Où en sont les titulaires avec le système d'information du CPF (Caisse des Dépôts), par région et "
        "certification : chacun·e doit y figurer dans les 3 mois suivant l'obtention du certificat. "
        "La période filtre la date d'obtention."
    ),
    build=cpf.cpf_tables,
)


@require_GET
def workload_page(request: HttpRequest) -> HttpResponse:
    return workload.workload_page(request)


def reassign(request: HttpRequest) -> HttpResponse:
    return workload.reassign_view(request)


class DashboardsApp(Application):
    title = "Tableaux de bord"
    icon = "monitoring"
    app_name = "tableaux-de-bord"
    menu_template_name = None
    base_template_name = "backoffice/base_page.html"

    index_path = path("", backlog_page, name="index")
    backlog_path = path("stocks/", backlog_page, name="backlog")
    throughput_path = path("flux/", throughput_page, name="throughput")
    outcomes_path = path("resultats/", outcomes_page, name="outcomes")
    campaigns_path = path("campagnes/", campaigns_page, name="campaigns")
    cpf_path = path("si-cpf/", cpf_page, name="cpf")
    workload_path = path("charge/", workload_page, name="workload")
    reassign_path = path("charge/reassigner/", reassign, name="reassign")

    def has_view_permission(self, user: Any, obj: Any = None) -> bool:
        return may_see_dashboards(user)
