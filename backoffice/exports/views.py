"""Exports of the scoped lists (CSV and XLSX): asked for from a list's buttons, returned at once when small,
else prepared in the background and listed on /exports/ with a download link when ready."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_POST
from viewflow.urls import Application

from backoffice.core.accounts.types import actor_of
from backoffice.core.exports import formats
from backoffice.core.exports.kinds import KINDS, by_slug
from backoffice.core.exports.lists import list_filters
from backoffice.core.uploads import serve_stored_file

from . import selectors, services
from .models import ExportFormat, ExportJob

SHOWN_JOBS = 100
FILTER_NAMES = {
    "_search": "recherche",
    "_orderby": "tri",
    "state": "état",
    "status": "statut",
    "role": "rôle",
    "non_transmis": "non transmis",
}


@require_GET
def export_list(request: HttpRequest) -> HttpResponse:
    """The user's own exports, newest first, with their status and a download link once ready."""
    jobs = list(selectors.exports_for(request.user)[:SHOWN_JOBS])
    context: dict[str, Any] = {
        "jobs": [(job, describe_filters(job.filters)) for job in jobs],
        "retention_days": services.retention_days(),
        "inline_max_rows": services.inline_max_rows(),
        "waiting": any(job.status in ("pending", "running") for job in jobs),
    }
    return TemplateResponse(request, "backoffice/exports/list.html", context)


def describe_filters(filters: Any) -> str:
    """'état : certified · recherche : Martin' for the list of jobs."""
    if not isinstance(filters, dict):
        return ""
    parts = []
    for key, values in filters.items():
        shown = ", ".join(str(v) for v in values) if isinstance(values, list) else str(values)
        parts.append(f"{FILTER_NAMES.get(key, key)} : {shown}")
    return " · ".join(parts)


@require_POST
def request_export(request: HttpRequest, kind: str, fmt: str) -> HttpResponse:
    """Export the list as the user sees it with its filters (the query string): the file at once when small,
    else a job prepared in the background and a redirect to /exports/."""
    chosen = by_slug(kind)
    if chosen is None or fmt not in ExportFormat.values:
        raise Http404("Cet export n'existe pas.")
    try:
        outcome = services.request_export(
            actor=actor_of(request), kind=chosen, fmt=fmt, filters=list_filters(request.GET)
        )
    except PermissionDenied as refused:
        raise Http404("Cet export n'existe pas.") from refused
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return HttpResponseRedirect(reverse("exports:index"))
    if isinstance(outcome, ExportJob):
        messages.success(
            request,
            f"La liste « {chosen.label} » compte plus de {services.inline_max_rows()} lignes : "
            "son export est préparé en arrière-plan. Il apparaîtra ci-dessous, prêt à télécharger, "
            "dans quelques instants.",
        )
        return HttpResponseRedirect(reverse("exports:index"))
    response = HttpResponse(outcome.content, content_type=outcome.content_type)
    response["Content-Disposition"] = f'attachment; filename="{outcome.filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def download(request: HttpRequest, pk: int) -> FileResponse:
    """A prepared export, for the person who asked for it only (404 for anyone else, or while not ready)."""
    job = selectors.get_export_for(request.user, pk)
    if not job.is_ready:
        raise Http404("Cet export n'est pas prêt, ou son fichier a été supprimé.")
    response = serve_stored_file(
        job.file,
        filename=services.export_filename(KINDS[job.kind], job.format, job.created_at),
        content_type=formats.CONTENT_TYPES[job.format],
        missing="Le fichier de cet export est introuvable.",
        as_attachment=True,
    )
    response["Cache-Control"] = "no-store"
    return response


class ExportsApp(Application):
    title = "Exports"
    icon = "download"
    app_name = "exports"
    menu_template_name = None
    base_template_name = "backoffice/base_page.html"

    index_path = path("", export_list, name="index")
    request_path = path("<slug:kind>.<str:fmt>", request_export, name="request")
    download_path = path("<int:pk>/telecharger/", download, name="download")

    def has_view_permission(self, user: Any, obj: Any = None) -> bool:
        return bool(getattr(user, "is_authenticated", False))
