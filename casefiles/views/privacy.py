"""A candidate's personal data: the subject-access export (JSON, PDF) and the rectification form. The
candidate is read through the scoped selector (404 outside scope); the services say who may act (403)."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from backoffice.core.accounts.types import actor_of
from casefiles import selectors, services
from casefiles.forms import IDENTITY_ORDER, BirthIdentityForm
from casefiles.models import Candidate, CandidateStatus, Sex
from casefiles.rules.identity import validate_person_name
from casefiles.subject_access import render_subject_access_pdf

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _attachment(content: bytes, candidate: Candidate, extension: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    # A number, never the name: the file name travels in logs and mail clients.
    filename = f"donnees-personnelles-candidat-{candidate.pk}.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def export_json(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything held about a candidate of the user's scope, as JSON; recorded in the trail."""
    candidate = selectors.get_candidate_for(request.user, pk)
    data = services.export_personal_data(candidate, actor=actor_of(request), file_format="json")
    content = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2).encode()
    return _attachment(content, candidate, "json", "application/json; charset=utf-8")


@require_GET
def export_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The same export as a PDF to hand to the person."""
    candidate = selectors.get_candidate_for(request.user, pk)
    data = services.export_personal_data(candidate, actor=actor_of(request), file_format="pdf")
    return _attachment(render_subject_access_pdf(data), candidate, "pdf", "application/pdf")


class RectificationForm(BirthIdentityForm):
    field_order = IDENTITY_ORDER

    last_name = forms.CharField(label="Nom d'usage", max_length=100, validators=[validate_person_name])
    first_name = forms.CharField(label="Prénom", max_length=100, validators=[validate_person_name])
    birth_date = forms.DateField(label="Date de naissance", widget=DATE)
    sex = forms.ChoiceField(label="Sexe", choices=[("", "non renseigné"), *Sex.choices], required=False)
    email = forms.EmailField(label="E-mail", required=False)
    phone = forms.CharField(label="Téléphone", max_length=20, required=False)
    # Not required here: a person taken over from the old system may have none (the service refuses to
    # empty one that is recorded).
    postcode = forms.CharField(label="Code postal", max_length=5, required=False)
    status = forms.ChoiceField(
        label="Statut", choices=[("", "non renseigné"), *CandidateStatus.choices], required=False
    )
    sector = forms.CharField(label="Secteur du projet professionnel", max_length=100, required=False)


@require_http_methods(["GET", "POST"])
def rectify(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct a candidate's identity or contact (right to rectification); refusals shown on the form."""
    candidate = selectors.get_candidate_for(request.user, pk)
    initial = {name: getattr(candidate, name) for name in services.privacy.RECTIFIABLE}
    form = RectificationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.rectify_candidate(candidate, changes=form.cleaned_data, actor=actor_of(request))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Les données du·de la candidat·e sont rectifiées.")
            return HttpResponseRedirect(_back(request, candidate))
    context: dict[str, Any] = {"candidate": candidate, "form": form, "back": _back(request, candidate)}
    return TemplateResponse(request, "casefiles/candidate_rectify.html", context)


def _back(request: HttpRequest, candidate: Candidate) -> str:
    """The page of the file the person came from (a file of theirs), else the list."""
    file_id = request.GET.get("dossier", "")
    if (
        file_id.isdigit()
        and selectors.case_files_for(request.user).filter(pk=file_id, candidate=candidate).exists()
    ):
        return reverse("candidats:dossiers:detail", kwargs={"pk": file_id})
    return reverse("candidats:dossiers:index")
