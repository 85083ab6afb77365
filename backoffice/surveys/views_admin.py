"""The back-office pages of the surveys (/enquetes/): the list with each wave's counts, defining a survey and
starting it. Supervisors and administrators only: a case officer gets a 404 (and, on the list, the results
of their region); anyone else the 403 of the application, as on the dashboards. The results: views_results."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from viewflow.urls import Application

from backoffice.core.accounts.roles import Role, has_role
from backoffice.core.accounts.types import actor_of
from backoffice.dashboards.views import may_see_dashboards

from . import services, views_results
from .forms import SurveyForm
from .models import Invitation, Questionnaire, Survey


def _ensure_manager(request: HttpRequest) -> None:
    if not has_role(request.user, *services.MANAGERS):
        raise Http404


def wave_counts(surveys: list[Survey]) -> dict[int, list[dict[str, Any]]]:
    """Per survey, its waves in order with invitations written, emailed, without email and answered."""
    rows = (
        Invitation.objects.filter(survey__in=surveys)
        .values("survey_id", "wave_months")
        .annotate(
            invited=Count("pk"),
            no_email=Count("pk", filter=Q(no_email=True)),
            answered=Count("pk", filter=Q(answered=True)),
        )
    )
    found = {(r["survey_id"], r["wave_months"]): r for r in rows}
    empty = {"invited": 0, "no_email": 0, "answered": 0}
    return {s.pk: [{"months": m, **empty, **found.get((s.pk, m), {})} for m in s.delays] for s in surveys}


@require_GET
def survey_list(request: HttpRequest) -> HttpResponse:
    """The surveys with each wave's counts; a regional officer, who sees only results, is sent to them."""
    if has_role(request.user, Role.CASE_OFFICER) and not has_role(request.user, *services.MANAGERS):
        return redirect("enquetes:results")
    _ensure_manager(request)
    surveys = list(Survey.objects.prefetch_related("certifications", "regions"))
    counts = wave_counts(surveys)
    rows = [(survey, counts[survey.pk]) for survey in surveys]
    return TemplateResponse(request, "surveys/admin/list.html", {"rows": rows})


@require_http_methods(["GET", "POST"])
def survey_create(request: HttpRequest) -> HttpResponse:
    """The form, then `create_survey` with the newest questionnaire version; a draft until started."""
    _ensure_manager(request)
    form = SurveyForm(request.POST or None)
    questionnaire = Questionnaire.objects.order_by("-version").first()
    if questionnaire is None:
        form.add_error(None, "Aucun questionnaire n'est chargé : chargez les données de référence.")
    elif request.method == "POST" and form.is_valid():
        try:
            survey = services.create_survey(
                questionnaire=questionnaire, actor=actor_of(request), **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Enquête « {survey.title} » enregistrée en brouillon.")
            return redirect("enquetes:index")
    return TemplateResponse(request, "surveys/admin/form.html", {"form": form})


@require_POST
def survey_start(request: HttpRequest, pk: int) -> HttpResponse:
    _ensure_manager(request)
    survey = get_object_or_404(Survey, pk=pk)
    try:
        services.start_survey(survey, actor=actor_of(request))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Enquête « {survey.title} » lancée : les invitations partent chaque jour.")
    return redirect("enquetes:index")


class SurveysApp(Application):
    title = "Enquêtes"
    icon = "poll"
    app_name = "enquetes"
    menu_template_name = None
    base_template_name = "backoffice/base_page.html"

    index_path = path("", survey_list, name="index")
    create_path = path("nouvelle/", survey_create, name="create")
    start_path = path("<int:pk>/lancer/", survey_start, name="start")
    results_path = path("devenir/", views_results.results_page, name="results")
    results_export_path = path(
        "devenir/export.<str:fmt>", views_results.results_export, name="results_export"
    )

    def has_view_permission(self, user: Any, obj: Any = None) -> bool:
        # The results are the dashboards' audience (officers: their region); the rest is checked by each page.
        return may_see_dashboards(user)
