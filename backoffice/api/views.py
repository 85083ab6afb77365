"""The keys page: the organisation's evaluator staff list its API keys, create one (shown once) and revoke
one; the API itself is in `endpoints.py`."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from viewflow.urls import Application

from accreditation.models import Organisation
from accreditation.scoping import scope_of
from backoffice.core.accounts.roles import Role, has_role
from backoffice.core.accounts.types import actor_of
from backoffice.core.feedback import reported

from . import selectors, services
from .models import KeyScope


def may_manage_keys(user: Any) -> bool:
    return has_role(user, Role.EVALUATOR_STAFF) and bool(scope_of(user).organisation_id)


def _organisation(request: HttpRequest) -> Organisation:
    if not may_manage_keys(request.user):
        raise PermissionDenied("Seul le personnel évaluateur d'un organisme gère ses clés d'API.")
    return get_object_or_404(Organisation, pk=scope_of(request.user).organisation_id)


def _page(request: HttpRequest, organisation: Organisation, **extra: Any) -> TemplateResponse:
    context = {
        "organisation": organisation,
        "keys": selectors.keys_for(request.user),
        "scopes": KeyScope.choices,
        "nonce": secrets.token_urlsafe(16),  # one per form shown: the same form sent twice creates one key
        **extra,
    }
    return TemplateResponse(request, "api/keys.html", context)


@require_GET
def key_list(request: HttpRequest) -> HttpResponse:
    """The organisation's keys (name, prefix, rights, created, last use, revoked) and the creation form."""
    return _page(request, _organisation(request))


@require_POST
@never_cache  # the page holds the key: no copy anywhere
def create_key(request: HttpRequest) -> HttpResponse:
    """A new key, shown once on the page this request answers: only its hash is kept. The form sent again (the
    page reloaded) creates no second key."""
    organisation = _organisation(request)
    nonce = request.POST.get("nonce", "")[:40]
    # Taken atomically in the shared cache: of two posts of one form (a reload, a double click), one creates.
    if nonce and not cache.add(f"cles-api:form:{nonce}", request.POST.get("name", "")[:100], timeout=86400):
        messages.error(
            request,
            f"Ce formulaire a déjà créé la clé « {cache.get(f'cles-api:form:{nonce}', '')} » : elle ne "
            "s'affiche qu'une fois. Si vous ne l'avez pas copiée, révoquez-la et créez-en une autre.",
        )
        return redirect("cles-api:index")
    try:
        key, text = services.create_api_key(
            organisation,
            name=request.POST.get("name", ""),
            scope=request.POST.get("scope", ""),
            actor=actor_of(request),
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        return redirect("cles-api:index")
    return _page(request, organisation, created=key, secret=text)


@require_POST
def revoke_key(request: HttpRequest, pk: int) -> HttpResponse:
    key = get_object_or_404(selectors.keys_for(request.user), pk=pk)
    with reported(request, f"La clé « {key.name} » est révoquée : ses appels sont refusés dès maintenant."):
        services.revoke_api_key(key, actor=actor_of(request))
    return redirect("cles-api:index")


class ApiKeysApp(Application):
    title = "Clés d'API"
    icon = "key"
    app_name = "cles-api"
    menu_template_name = None
    base_template_name = "backoffice/base_page.html"

    index_path = path("", key_list, name="index")
    create_path = path("creer/", create_key, name="create")
    revoke_path = path("<int:pk>/revoquer/", revoke_key, name="revoke")

    def has_view_permission(self, user: Any, obj: Any = None) -> bool:
        return may_manage_keys(user)
