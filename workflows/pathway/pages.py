"""The pages that move the pathway on: abandon and transfer, posted from the file page, and the closing of a
jury session (mounted as `jurys:close` beside the jury pages by the site, `backoffice/urls.py`)."""

from __future__ import annotations

from typing import cast

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from accreditation.models import Site
from accreditation.selectors import evaluator_sites_accredited_today
from backoffice.core.accounts.types import actor_of
from backoffice.core.feedback import reported
from casefiles.selectors import case_files_for, get_case_file_for, get_jury_session_for
from workflows.pathway.commands import abandon_pathway, close_jury_session, transfer_pathway


class AbandonForm(forms.Form):
    reason = forms.CharField(label="Motif de l'abandon", max_length=500)


class TransferForm(forms.Form):
    to_site = forms.ModelChoiceField(label="Nouvel organisme évaluateur", queryset=Site.objects.none())
    reason = forms.CharField(label="Motif", max_length=500, required=False)

    def __init__(self, *args, certification=None, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        to_site = cast(forms.ModelChoiceField, self.fields["to_site"])
        to_site.queryset = evaluator_sites_accredited_today(certification)


def _back(request: HttpRequest, pk: int) -> HttpResponse:
    return HttpResponseRedirect(reverse("candidats:dossiers:detail", kwargs={"pk": pk}))


@require_POST
def abandon(request: HttpRequest, pk: int) -> HttpResponse:
    case_file = get_case_file_for(request.user, pk)
    form = AbandonForm(request.POST)
    with reported(request, "Le dossier est abandonné."):
        if not form.is_valid():
            raise ValidationError("Le motif de l'abandon est obligatoire.")
        abandon_pathway(case_file, reason=form.cleaned_data["reason"], actor=actor_of(request))
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
            actor=actor_of(request),
        )
    if not case_files_for(request.user).filter(pk=pk).exists():  # the previous organisation lost access
        return HttpResponseRedirect(reverse("candidats:dossiers:index"))
    return _back(request, pk)


@require_POST
def close_session(request: HttpRequest, pk: int) -> HttpResponse:
    """Close a jury session: decisions applied, minutes stored, the decided files' pathways moved on."""
    session = get_jury_session_for(request.user, pk)
    with reported(request, "La session est close : procès-verbal établi, certificats en cours d'édition."):
        close_jury_session(session, actor=actor_of(request))
    return HttpResponseRedirect(reverse("jurys:session", kwargs={"pk": pk}))
