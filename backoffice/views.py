from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET

from .home import home_context


def home(request: HttpRequest) -> HttpResponse:
    """The signed-in person's home page: what waits for them in their scope."""
    return TemplateResponse(request, "backoffice/home.html", home_context(request.user))


@login_not_required
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """Liveness for load balancers: the database answers; 503 (out of rotation) when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return JsonResponse({"status": "indisponible", "detail": "base de données injoignable"}, status=503)
    return JsonResponse({"status": "ok"})
