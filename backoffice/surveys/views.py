"""The public survey pages, outside the logged-in area: the questionnaire, the thanks, the opt-out. They
never show the person's name, and answer the same page for any unusable link (no oracle)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET, require_http_methods

from backoffice.core.ratelimit import allow
from backoffice.core.security.client_ip import client_ip

from . import services
from .validation import values_of

LIMIT, WINDOW_S = 30, 10 * 60


def _limited(request: HttpRequest) -> HttpResponse | None:
    # The person's address, behind the proxy too (else every respondent would share the proxy's counter).
    if allow(f"enquete:{client_ip(request) or ''}", limit=LIMIT, window_s=WINDOW_S):
        return None
    message = "Trop de demandes depuis votre adresse. Réessayez dans quelques minutes."
    context = {"message": message, "title": "Trop de demandes"}
    return TemplateResponse(request, "surveys/invalid.html", context, status=429)


def _invalid(request: HttpRequest) -> HttpResponse:
    return TemplateResponse(request, "surveys/invalid.html", {"message": services.INVALID_LINK})


@login_not_required
@require_http_methods(["GET", "POST"])
def answer_page(request: HttpRequest, token: str) -> HttpResponse:
    """The questionnaire (GET), and taking the answers (POST): one answer, whatever the clicks."""
    if (limited := _limited(request)) is not None:
        return limited
    invitation = services.usable_invitation(token)
    if invitation is None:
        if request.method == "POST" and services.answered_link(token):
            return redirect(
                "surveys:thanks", token=token
            )  # a double click: the answer is saved, thanks again
        return _invalid(request)
    errors: dict[str, Any] = {}
    if request.method == "POST":
        try:
            services.answer(token, request.POST)
        except services.InvalidLink:
            if services.answered_link(token):
                return redirect("surveys:thanks", token=token)
            return _invalid(request)
        except ValidationError as error:
            errors = {key: messages[0] for key, messages in error.message_dict.items()}
        else:
            return redirect("surveys:thanks", token=token)
    questions = [
        {**q, "given": values_of(request.POST, q["key"]), "error": errors.get(q["key"], "")}
        for q in invitation.survey.questionnaire.questions
    ]
    context = {
        "certification": services.certification_name(invitation),
        "questions": questions,
        "errors": errors,
    }
    return TemplateResponse(request, "surveys/answer.html", context, status=400 if errors else 200)


@login_not_required
@require_GET
def thanks_page(request: HttpRequest, token: str) -> HttpResponse:
    """Thanks, whatever the link: the page reveals nothing."""
    return TemplateResponse(request, "surveys/thanks.html", {})


@login_not_required
@require_http_methods(["GET", "POST"])
def opt_out_page(request: HttpRequest, token: str) -> HttpResponse:
    """Confirm, then stop every later survey for this person."""
    if (limited := _limited(request)) is not None:
        return limited
    if request.method == "POST":
        if not services.opt_out(token):
            return _invalid(request)
        return TemplateResponse(request, "surveys/opted_out.html", {})
    if services.known_opt_out_link(token) is None:
        return _invalid(request)
    return TemplateResponse(request, "surveys/opt_out.html", {})
