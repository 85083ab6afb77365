"""Exports of the scoped lists (CSV and XLSX), in the background for large lists."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.views.decorators.http import require_GET
from viewflow.urls import Application


@require_GET
def export_list(request: HttpRequest) -> HttpResponse:
    return TemplateResponse(request, "backoffice/base_page.html", {})


class ExportsApp(Application):
    title = "Exports"
    icon = "download"
    app_name = "exports"
    menu_template_name = None
    base_template_name = "backoffice/base_page.html"

    index_path = path("", export_list, name="index")

    def has_view_permission(self, user: Any, obj: Any = None) -> bool:
        return bool(getattr(user, "is_authenticated", False))
