"""« Devenir des certifié·es »: a survey wave's results page and its CSV/XLSX export, for the people who see
the dashboards, within their scope (?enquete=<pk>&vague=6|12&par=region|certification|age|statut, and the
dashboards' region and certification filters)."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils.text import slugify
from django.views.decorators.http import require_GET

from accreditation.scoping import scope_of
from backoffice.core.accounts.roles import Role, has_role
from backoffice.core.exports import formats
from backoffice.dashboards.filters import read_filters
from backoffice.dashboards.views import may_see_dashboards

from .models import Survey
from .results import DIMENSIONS, Results, default_survey, export_rows, survey_results, surveys_with_results

TITLE = "Devenir des certifié·es"
COMMENT_READERS = (Role.SUPERVISOR, Role.ADMINISTRATOR)  # within their scope; never in the exports


def _choose(request: HttpRequest) -> tuple[Survey | None, int, str]:
    """The survey, wave and dimension asked for (404 for an unknown one), or the defaults."""
    if not may_see_dashboards(request.user) or scope_of(request.user).is_empty:
        raise PermissionDenied(
            "Les résultats des enquêtes sont réservés aux superviseur·es et chargé·es d'instruction."
        )
    pk = request.GET.get("enquete")
    if pk:
        if not pk.isdigit():
            raise Http404("Enquête inconnue.")
        survey: Survey | None = get_object_or_404(
            surveys_with_results().select_related("questionnaire"), pk=pk
        )
    else:
        survey = default_survey()
    dimension = request.GET.get("par") or "region"
    wave = request.GET.get("vague") or (str(min(survey.delays)) if survey and survey.delays else "6")
    if dimension not in DIMENSIONS or not wave.isdigit() or (survey and int(wave) not in survey.delays):
        raise Http404("Vague ou répartition inconnue.")
    return survey, int(wave), dimension


def _results(request: HttpRequest, *, comments: bool = False) -> tuple[Any, Results | None, str]:
    survey, wave, dimension = _choose(request)
    form, filters = read_filters(request.user, request.GET)
    if survey is None or filters is None:
        return form, None, ""
    _, scope = read_filters(request.user, QueryDict())  # the same person's view without filters
    query = urlencode({**filters.params, "enquete": survey.pk, "vague": wave, "par": dimension})
    results = survey_results(
        survey,
        wave,
        dimension,
        filters,
        scope=scope,
        comments=comments and has_role(request.user, *COMMENT_READERS),
    )
    return form, results, query


@login_required
@require_GET
def results_page(request: HttpRequest) -> HttpResponse:
    form, results, query = _results(request, comments=True)
    context = {
        "title": TITLE,
        "form": form,
        "results": results,
        "surveys": surveys_with_results(),
        "dimensions": [(key, label) for key, (_, label) in DIMENSIONS.items()],
        "query": query,
    }
    return TemplateResponse(request, "surveys/results.html", context)


@login_required
@require_GET
def results_export(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in formats.CONTENT_TYPES:
        raise Http404("Format inconnu.")
    _, results, _ = _results(request)
    if results is None:
        raise Http404("Aucun résultat pour ces filtres.")
    headers, rows = export_rows(results)
    out = io.BytesIO()
    formats.write(fmt, out, headers, rows, title=TITLE)
    response = HttpResponse(out.getvalue(), content_type=formats.CONTENT_TYPES[fmt])
    name = f"devenir-{slugify(results.survey.title)}-{results.wave}-mois.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
