"""The organisation's side of the approval: submitting starts the process, answering a request resumes it."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.decorators.http import require_POST

from accreditation.selectors import get_application_for
from backoffice.core.accounts.types import actor_of
from backoffice.core.feedback import reported
from workflows.approval.commands import answer_request, submit_and_start


@require_POST
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_application_for(request.user, pk)
    with reported(request, "Votre dossier de candidature est déposé."):
        submit_and_start(application, actor=actor_of(request))
    return HttpResponseRedirect(application.get_absolute_url())


@require_POST
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_application_for(request.user, pk)
    with reported(request, "Votre réponse est transmise à Certif'Pro."):
        answer_request(
            application,
            response=request.POST.get("response", "")[:2000],
            answers=request.POST.getlist("answer"),
            actor=actor_of(request),
        )
    return HttpResponseRedirect(application.get_absolute_url())
