"""The holders' transmissions to the training-account system (SI CPF): the list with the deadline table,
asking for a new one, a transmission's page (progress, file, deposit, receipt, holders) and its file; the
removal of a revoked certificate at the CDC. National supervisors and administrators only (404 otherwise)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET, require_POST

from backoffice.core.accounts.types import actor_of
from backoffice.core.feedback import reported
from backoffice.core.uploads import serve_stored_file
from casefiles import selectors
from casefiles.models import PassageOutcome, TransmissionStatus
from casefiles.services import transmissions as services

PAGE_SIZE = 100
RECEIPT_MAX_BYTES = 200 * 1024 * 1024  # the receipt of a 200,000-holder file


def _ensure_transmitter(request: HttpRequest) -> None:
    if not services.may_transmit(request.user):
        raise Http404


@require_GET
def transmission_list(request: HttpRequest) -> HttpResponse:
    _ensure_transmitter(request)
    certificates = selectors.certificates_for(request.user)
    lines = selectors.transmission_overview(certificates)
    context: dict[str, Any] = {
        "transmissions": selectors.transmissions_for(request.user)[:50],
        "lines": lines,
        "total": selectors.transmission_totals(lines),
        "due": services.due_certificates().count(),
        "without_code": services.certifications_without_code(),
        "removals": selectors.removals_due(certificates).select_related("case_file")[:200],
        "removals_count": selectors.removals_due(certificates).count(),
        "building": selectors.transmissions_for(request.user)
        .filter(status=TransmissionStatus.BUILDING)
        .first(),
    }
    return TemplateResponse(request, "casefiles/transmissions/list.html", context)


@require_POST
def transmission_request(request: HttpRequest) -> HttpResponse:
    _ensure_transmitter(request)
    transmission = None
    with reported(request, "La transmission est en préparation : le fichier sera proposé une fois vérifié."):
        transmission = services.request_transmission(actor=actor_of(request))
    return redirect(transmission) if transmission is not None else redirect("certificats:transmissions")


class ReceiptForm(forms.Form):
    accuse = forms.FileField(label="Accusé de traitement (XML de la CDC)")

    def clean_accuse(self) -> Any:
        upload = self.cleaned_data["accuse"]
        if upload.size > RECEIPT_MAX_BYTES:
            raise forms.ValidationError("Ce fichier est trop volumineux pour un accusé de traitement.")
        return upload


@require_GET
def transmission_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _ensure_transmitter(request)
    transmission = selectors.get_transmission_for(request.user, pk)
    outcome = request.GET.get("resultat", "")
    passages = transmission.passage_rows.select_related("certificate__certification", "certificate__region")
    if outcome in PassageOutcome.values:
        passages = passages.filter(outcome=outcome)
    context = {
        "transmission": transmission,
        "page": Paginator(passages.order_by("pk"), PAGE_SIZE).get_page(request.GET.get("page")),
        "outcomes": PassageOutcome.choices,
        "outcome": outcome,
        "form": ReceiptForm(),
        "percent": round(100 * transmission.written / transmission.passages) if transmission.passages else 0,
        "may_abandon": transmission.status in services.ABANDONABLE,
    }
    return TemplateResponse(request, "casefiles/transmissions/detail.html", context)


@require_GET
def transmission_file(request: HttpRequest, pk: int) -> FileResponse:
    _ensure_transmitter(request)
    transmission = selectors.get_transmission_for(request.user, pk)
    if (
        transmission.status in (TransmissionStatus.BUILDING, TransmissionStatus.FAILED)
        or not transmission.file
    ):
        raise Http404("Aucun fichier conforme pour cette transmission.")
    return serve_stored_file(
        transmission.file,
        filename=transmission.file_name,
        content_type="application/xml",
        missing="Le fichier de cette transmission est introuvable.",
        as_attachment=True,  # to be saved and uploaded on the CDC's portal, not read in the browser
    )


@require_POST
def transmission_deposit(request: HttpRequest, pk: int) -> HttpResponse:
    _ensure_transmitter(request)
    transmission = selectors.get_transmission_for(request.user, pk)
    with reported(request, f"{transmission.file_name} est marqué comme déposé sur le portail de la CDC."):
        services.mark_deposited(transmission, actor=actor_of(request))
    return redirect(transmission)


@require_POST
def transmission_receipt(request: HttpRequest, pk: int) -> HttpResponse:
    _ensure_transmitter(request)
    transmission = selectors.get_transmission_for(request.user, pk)
    form = ReceiptForm(request.POST, request.FILES)
    if not form.is_valid():
        for error in form.errors.get("accuse", []):
            messages.error(request, str(error))
        return redirect(transmission)
    upload = form.cleaned_data["accuse"]
    try:
        counts = services.apply_receipt(
            transmission, upload.read(), name=upload.name, actor=actor_of(request)
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    else:
        messages.success(
            request,
            f"Accusé enregistré : {counts['accepted']} titulaire(s) accepté(s), "
            f"{counts['rejected']} rejeté(s)"
            + (f", {counts['unchanged']} déjà enregistré(s)." if counts["unchanged"] else "."),
        )
    return redirect(transmission)


@require_POST
def transmission_abandon(request: HttpRequest, pk: int) -> HttpResponse:
    _ensure_transmitter(request)
    transmission = selectors.get_transmission_for(request.user, pk)
    with reported(
        request, "La transmission est abandonnée : ses titulaires sans réponse sont à transmettre."
    ):
        services.abandon_transmission(
            transmission, reason=request.POST.get("reason", ""), actor=actor_of(request)
        )
    return redirect(transmission)


@require_POST
def removed_from_cdc(request: HttpRequest, pk: int) -> HttpResponse:
    _ensure_transmitter(request)
    certificate = selectors.get_certificate_for(request.user, pk)
    with reported(request, f"Le certificat {certificate.number} est noté comme retiré du SI CPF."):
        services.mark_removed_from_cdc(certificate, actor=actor_of(request))
    return redirect("certificats:transmissions")
