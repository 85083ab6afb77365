"""Abandon and transfer, posted from the file page."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.decorators.http import require_POST

from accreditation.models import Accreditation, AccreditationRole, Site
from backoffice.feedback import reported
from casefiles.selectors import case_files_for, get_case_file_for

from .actions import abandon_pathway, transfer_pathway


class AbandonForm(forms.Form):
    reason = forms.CharField(label="Motif de l'abandon", max_length=500)


class TransferForm(forms.Form):
    to_site = forms.ModelChoiceField(label="Nouvel organisme évaluateur", queryset=Site.objects.all())
    reason = forms.CharField(label="Motif", max_length=500, required=False)

    def __init__(self, *args, certification=None, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        accredited = Accreditation.objects.in_force().filter(
            role=AccreditationRole.EVALUATOR, certification=certification
        )
        self.fields["to_site"].queryset = Site.objects.filter(pk__in=accredited.values("site_id"))


def _back(request: HttpRequest, pk: int) -> HttpResponse:
    return HttpResponseRedirect(f"/candidats/dossiers/{pk}/detail/")


@require_POST
def abandon(request: HttpRequest, pk: int) -> HttpResponse:
    case_file = get_case_file_for(request.user, pk)
    form = AbandonForm(request.POST)
    with reported(request, "Le dossier est abandonné."):
        if not form.is_valid():
            raise ValidationError("Le motif de l'abandon est obligatoire.")
        abandon_pathway(case_file, reason=form.cleaned_data["reason"], actor=request.user)
    return _back(request, pk)


@require_POST
def transfer(request: HttpRequest, pk: int) -> HttpResponse:
    case_file = get_case_file_for(request.user, pk)
    form = TransferForm(request.POST, certification=case_file.certification)
    with reported(request, "Le dossier est transféré."):
        if not form.is_valid():
            raise ValidationError("Choisissez un organisme évaluateur habilité.")
        transfer_pathway(
            case_file,
            to_site=form.cleaned_data["to_site"],
            reason=form.cleaned_data["reason"],
            actor=request.user,
        )
    if not case_files_for(request.user).filter(pk=pk).exists():  # the previous organisation lost access
        return HttpResponseRedirect("/candidats/dossiers/")
    return _back(request, pk)
