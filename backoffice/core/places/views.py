from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from .rules import search_communes, search_countries

MAX_RESULTS = 20
MAX_QUERY = 100


@require_GET
@login_required
def communes(request: HttpRequest) -> JsonResponse:
    """Up to 20 communes matching ?q= (name or code), for the place of birth field."""
    found = search_communes(request.GET.get("q", "")[:MAX_QUERY], limit=MAX_RESULTS)
    return JsonResponse({"results": [{"code": c.code, "label": c.choice_label} for c in found]})


@require_GET
@login_required
def countries(request: HttpRequest) -> JsonResponse:
    """Up to 20 countries abroad matching ?q= (name, former name or code)."""
    found = search_countries(request.GET.get("q", "")[:MAX_QUERY], limit=MAX_RESULTS)
    return JsonResponse({"results": [{"code": c.code, "label": c.choice_label} for c in found]})
