"""The fees' pages (/redevances/…): the statements (finance: all; an organisation: its own), a statement with
its lines and PDF, the periods (compute, issue, accounting file), the schedules (administrators edit them),
the dashboard. Outside one's scope: 404."""

from __future__ import annotations

import io
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from viewflow.urls import Application

from backoffice.core.accounts.roles import Role, has_role
from backoffice.core.accounts.types import actor_of
from backoffice.core.feedback import reported
from backoffice.core.uploads import serve_stored_file

from . import accounting, dashboard, selectors, services
from .forms import PeriodForm, ScheduleForm
from .models import FeeKind, StatementStatus

PAGE_SIZE = 50


def _ensure_finance(request: HttpRequest) -> None:
    if not selectors.is_finance(request.user):
        raise Http404


@require_GET
def statement_list(request: HttpRequest) -> HttpResponse:
    """The statements the user may see, filtered by period, status and organisation; for finance, the
    periods computed too."""
    statements = selectors.filter_statements(selectors.statements_for(request.user), request.GET)
    finance = selectors.is_finance(request.user)
    context: dict[str, Any] = {
        "page": Paginator(statements, PAGE_SIZE).get_page(request.GET.get("page")),
        "statuses": StatementStatus.choices,
        "finance": finance,
        "periods": list(selectors.periods_for(request.user)[:12]),
        "chosen_period": request.GET.get("periode", ""),
        "status": request.GET.get("statut", ""),
        "search": request.GET.get("organisme", ""),
    }
    return TemplateResponse(request, "fees/list.html", context)


@require_GET
def statement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One statement of the user's scope (404 outside it): its lines by SIRET, each linked to its act's page
    when the user may open it."""
    statement = selectors.get_statement_for(request.user, pk)
    groups = selectors.lines_by_site(statement)
    lines = [line for group in groups for line in group.lines]
    links = selectors.act_links(request.user, lines)
    for line in lines:
        line.link = links.get(line.pk)  # type: ignore[attr-defined]
    context = {
        "statement": statement,
        "groups": groups,
        "may_mark_paid": statement.status == StatementStatus.FROZEN
        and statement.total_ttc > 0
        and selectors.is_finance(request.user),
    }
    return TemplateResponse(request, "fees/detail.html", context)


@require_GET
def statement_pdf(request: HttpRequest, pk: int) -> FileResponse:
    """The issued statement's PDF, rendered now if the worker has not yet done it; 404 for a draft."""
    statement = selectors.get_statement_for(request.user, pk)
    if not statement.is_issued:
        raise Http404("Ce relevé n'est pas encore émis : il n'a pas de PDF.")
    if not statement.pdf:
        services.render_statement_pdf(statement.pk)
        statement.refresh_from_db(fields=["pdf"])
    return serve_stored_file(
        statement.pdf,
        filename=f"{statement.number}.pdf",
        content_type="application/pdf",
        missing="Le fichier de ce relevé est introuvable.",
    )


@require_POST
def statement_paid(request: HttpRequest, pk: int) -> HttpResponse:
    _ensure_finance(request)
    statement = selectors.get_statement_for(request.user, pk)
    with reported(request, f"Le relevé {statement.number} est marqué comme payé."):
        services.mark_paid(statement, actor=actor_of(request))
    return redirect(statement)


@require_http_methods(["GET", "POST"])
def period_compute(request: HttpRequest) -> HttpResponse:
    """Compute a period (the last quarter by default): a draft to check, then to issue."""
    _ensure_finance(request)
    if request.method == "GET":
        form = PeriodForm.for_today(timezone.localdate())
        return TemplateResponse(request, "fees/compute.html", {"form": form})
    form = PeriodForm(request.POST)
    if form.is_valid():
        try:
            period = services.compute_period(
                form.cleaned_data["start"], form.cleaned_data["end"], actor=actor_of(request)
            )
        except (ValidationError, PermissionDenied) as error:
            form.add_error(None, getattr(error, "messages", [str(error)]))
        else:
            return redirect(period)
    return TemplateResponse(request, "fees/compute.html", {"form": form}, status=400)


@require_GET
def period_detail(request: HttpRequest, pk: int) -> HttpResponse:
    period = selectors.get_period_for(request.user, pk)
    statements = (
        selectors.statements_for(request.user)
        .filter(period=period)
        .order_by("number", "organisation__legal_name")
    )
    context = {
        "period": period,
        "page": Paginator(statements, PAGE_SIZE).get_page(request.GET.get("page")),
        "may_freeze": not period.is_frozen and period.end < timezone.localdate(),
    }
    return TemplateResponse(request, "fees/period.html", context)


@require_POST
def period_freeze(request: HttpRequest, pk: int) -> HttpResponse:
    period = selectors.get_period_for(request.user, pk)
    with reported(request, f"Les relevés de la période {period} sont émis et numérotés."):
        services.freeze_period(period, actor=actor_of(request))
    return redirect(period)


@require_GET
def period_accounting(request: HttpRequest, pk: int) -> HttpResponse:
    """The accounting file of an issued period (balanced entries: one row per account and side)."""
    period = selectors.get_period_for(request.user, pk)
    if not period.is_frozen:
        raise Http404("Les relevés de cette période ne sont pas encore émis.")
    out = io.BytesIO()
    accounting.write_accounting_csv(out, period)
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="redevances-{period.start:%Y%m%d}-{period.end:%Y%m%d}.csv"'
    )
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def schedule_list(request: HttpRequest) -> HttpResponse:
    _ensure_finance(request)
    context = {
        "schedules": selectors.schedules(),
        "kinds": FeeKind.choices,
        "may_edit": has_role(request.user, Role.ADMINISTRATOR),
        "issued_until": services.issued_until(),
        "today": timezone.localdate(),
    }
    return TemplateResponse(request, "fees/schedules.html", context)


@require_http_methods(["GET", "POST"])
def schedule_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Create (no `pk`) or change a schedule: administrators only; refused with French messages beside the
    fields, nothing saved."""
    _ensure_finance(request)
    if not has_role(request.user, Role.ADMINISTRATOR):
        raise PermissionDenied("Seul·es les administrateur·rices modifient les barèmes de redevances.")
    schedule = get_object_or_404(selectors.schedules(), pk=pk) if pk is not None else None
    form = ScheduleForm(request.POST or None, schedule=schedule)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_schedule(
                schedule,
                certification=form.cleaned_data["certification"],
                valid_from=form.cleaned_data["valid_from"],
                note=form.cleaned_data["note"],
                rates=form.rates(),
                actor=actor_of(request),
            )
        except (ValidationError, PermissionDenied) as error:
            form.refused(error if isinstance(error, ValidationError) else ValidationError(str(error)))
        else:
            return redirect("redevances:schedules")
    status = 400 if request.method == "POST" else 200
    return TemplateResponse(
        request, "fees/schedule_form.html", {"form": form, "schedule": schedule}, status=status
    )


@require_GET
def dashboard_page(request: HttpRequest) -> HttpResponse:
    """Amounts per quarter, region, certification and kind of act; `?table=…&format=csv|xlsx` one table."""
    if not selectors.may_see_fees(request.user):
        raise PermissionDenied("Les redevances sont réservées à la finance et aux organismes.")
    form, lines = dashboard.issued_lines(request.user, request.GET)
    tables = dashboard.fee_tables(lines) if lines is not None else []
    wanted, fmt = request.GET.get("table"), request.GET.get("format")
    if wanted or fmt:
        table = next((t for t in tables if t.key == wanted), None)
        if table is None or fmt not in ("csv", "xlsx"):
            raise Http404("Tableau ou format inconnu.")
        return dashboard.export_table(table, fmt, today=timezone.localdate())
    query = request.GET.copy()
    for key in ("table", "format"):
        query.pop(key, None)
    finance = selectors.is_finance(request.user)
    context = {
        "title": "Redevances",
        "intro": "Ce que facturent les relevés émis, avoirs déduits, par période, région, certification et "
        "nature d'acte" + ("." if finance else " : les relevés de votre organisme."),
        "form": form,
        "tables": [(t, t.chart(), f"chart-{t.key}", [(row, None) for row in t.rows]) for t in tables],
        "query": query.urlencode(),
        "finance": finance,
    }
    return TemplateResponse(request, "fees/dashboard.html", context)


class FeesApp(Application):
    title = "Redevances"
    icon = "receipt_long"
    app_name = "redevances"
    menu_template_name = None
    base_template_name = "backoffice/base_page.html"

    index_path = path("", statement_list, name="index")
    detail_path = path("<int:pk>/", statement_detail, name="detail")
    pdf_path = path("<int:pk>/releve.pdf", statement_pdf, name="pdf")
    paid_path = path("<int:pk>/paye/", statement_paid, name="paid")
    compute_path = path("periodes/calculer/", period_compute, name="compute")
    period_path = path("periodes/<int:pk>/", period_detail, name="period")
    freeze_path = path("periodes/<int:pk>/emettre/", period_freeze, name="freeze")
    accounting_path = path("periodes/<int:pk>/comptabilite.csv", period_accounting, name="accounting")
    schedules_path = path("baremes/", schedule_list, name="schedules")
    schedule_add_path = path("baremes/nouveau/", schedule_edit, name="schedule_add")
    schedule_edit_path = path("baremes/<int:pk>/modifier/", schedule_edit, name="schedule_edit")
    dashboard_path = path("tableau-de-bord/", dashboard_page, name="dashboard")

    def has_view_permission(self, user: Any, obj: Any = None) -> bool:
        return selectors.may_see_fees(user)
