"""Import pages: upload, progress, preview, confirmation, result, error report, history."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.views.decorators.http import require_GET
from viewflow.urls import Application


@require_GET
def import_list(request: HttpRequest) -> HttpResponse:
    return TemplateResponse(request, "backoffice/base_page.html", {})


class ImportsApp(Application):
    title = "Imports"
    icon = "upload_file"
    app_name = "imports"
    menu_template_name = None
    base_template_name = "backoffice/base_page.html"

    index_path = path("", import_list, name="index")

    def has_view_permission(self, user: Any, obj: Any = None) -> bool:
        return bool(getattr(user, "is_authenticated", False))
