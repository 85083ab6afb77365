"""Certificate pages: the scoped list with the holders' export, a certificate's page, its PDF, the duplicate
and the withdrawal; and the public verification page the certificate's QR code points to."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from viewflow.urls import Application

from accreditation.scoping import scope_of
from backoffice.core.accounts.roles import Role, has_role
from backoffice.core.accounts.types import actor_of
from backoffice.core.exports.kinds import ExportKind
from backoffice.core.exports.lists import export_links
from backoffice.core.feedback import reported
from backoffice.core.ratelimit import allow
from backoffice.core.security.client_ip import client_ip
from backoffice.core.signing.pdf import signing_statement
from backoffice.core.uploads import serve_stored_file
from casefiles import selectors, services
from casefiles.models import CdcStatus, Certificate, CertificateStatus, Credential
from casefiles.rules.numbering import lookup_forms
from casefiles.rules.transmission import deadline
from casefiles.services.certificates import render_certificate_pdf
from casefiles.services.transmissions import may_transmit

from . import transmissions
from .credentials import verify_upload

PAGE_SIZE = 50
INCOMPLETE_SHOWN = 200  # identities to complete, rejections to correct: the oldest first
MANAGERS = (Role.CASE_OFFICER, Role.SUPERVISOR, Role.ADMINISTRATOR)
REVOKERS = (Role.SUPERVISOR, Role.ADMINISTRATOR)
VERIFY_LIMIT, VERIFY_WINDOW_S = 20, 10 * 60


def may_act_on(user: Any, certificate: Certificate, roles: tuple[Role, ...]) -> bool:
    """The same test as the services, to show a button only to who may press it."""
    scope = scope_of(user)
    return has_role(user, *roles) and (scope.national or certificate.region_id in scope.region_ids)


@require_GET
def certificate_list(request: HttpRequest) -> HttpResponse:
    """Certificates of the user's scope, newest first; for Certif'Pro staff, where the holders stand with the
    training-account system (SI CPF), the identities to complete and the rejections to correct."""
    certificates = selectors.certificates_for(request.user)
    page = Paginator(selectors.filter_certificates(certificates, request.GET), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context: dict[str, Any] = {
        "page": page,
        "statuses": CertificateStatus.choices,
        "status": request.GET.get("statut", ""),
        "cpf_statuses": CdcStatus.choices,
        "cpf_status": request.GET.get("cpf", ""),
        "not_transmitted_only": request.GET.get("non_transmis") == "1",
        "late_only": request.GET.get("en_retard") == "1",
        "may_export": has_role(request.user, *MANAGERS),
        "may_transmit": may_transmit(request.user),
        "exports": export_links(request.GET, ExportKind.CERTIFICATES),
    }
    if context["may_export"]:
        lines = selectors.transmission_overview(certificates)
        waiting = certificates.exclude(cdc_status=CdcStatus.ACCEPTED)
        context.update(
            lines=lines,
            total=selectors.transmission_totals(lines),
            incomplete=selectors.with_gaps(selectors.holders_missing_identity(waiting)[:INCOMPLETE_SHOWN]),
            rejected=selectors.with_gaps(
                waiting.filter(status=CertificateStatus.ISSUED, cdc_status=CdcStatus.REJECTED)
                .select_related("case_file__candidate")
                .order_by("awarded_on")[:INCOMPLETE_SHOWN]
            ),
        )
    return TemplateResponse(request, "casefiles/certificates/list.html", context)


@require_GET
def certificate_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One certificate of the user's scope (404 outside it), with the actions the user may take."""
    certificate = selectors.get_certificate_for(request.user, pk)
    context = {
        "certificate": certificate,
        "may_reissue": certificate.status == CertificateStatus.ISSUED
        and may_act_on(request.user, certificate, MANAGERS),
        "may_revoke": certificate.status != CertificateStatus.REVOKED
        and may_act_on(request.user, certificate, REVOKERS),
        "may_reinstate": certificate.status == CertificateStatus.REVOKED
        and may_act_on(request.user, certificate, REVOKERS),
        "may_send_link": certificate.status == CertificateStatus.ISSUED
        and may_act_on(request.user, certificate, MANAGERS),
        "credential": Credential.objects.filter(certificate=certificate)
        .select_related("status_list")
        .first(),
        "deadline": deadline(certificate.awarded_on),
        "passages": certificate.passages.select_related("transmission").order_by("transmission_id")
        if has_role(request.user, *MANAGERS)
        else [],
    }
    return TemplateResponse(request, "casefiles/certificates/detail.html", context)


@require_GET
def certificate_pdf(request: HttpRequest, pk: int) -> FileResponse:
    """The stored PDF (the latest duplicate), once issued, rendered now if the job has not yet done it; 404
    outside scope or while being edited."""
    certificate = selectors.get_certificate_for(request.user, pk)
    if certificate.status == CertificateStatus.PENDING:
        raise Http404("Le certificat est en cours d'édition.")
    if not certificate.pdf:  # rendered by this request, or by the job in the meantime
        render_certificate_pdf(certificate.pk)
        certificate.refresh_from_db(fields=["pdf"])
    return serve_stored_file(
        certificate.pdf,
        filename=f"{certificate.number}.pdf",
        content_type="application/pdf",
        missing=_missing_pdf(certificate),
    )


def _missing_pdf(certificate: Certificate) -> str:
    if certificate.legacy_batch_id and not certificate.pdf:
        return (
            "Ce certificat a été délivré par l'ancien système : son original n'est pas conservé ici. "
            "Un duplicata peut être édité depuis la page du certificat."
        )
    if certificate.status == CertificateStatus.REVOKED:
        return "Ce certificat a été retiré avant que son PDF ne soit établi."
    return "Le fichier de ce certificat est introuvable."


@require_POST
def reissue(request: HttpRequest, pk: int) -> HttpResponse:
    certificate = selectors.get_certificate_for(request.user, pk)
    with reported(request, f"Un duplicata du certificat {certificate.number} est édité."):
        services.reissue_certificate(certificate, actor=actor_of(request))
    return redirect(certificate)


@require_POST
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    certificate = selectors.get_certificate_for(request.user, pk)
    with reported(request, f"Le certificat {certificate.number} est retiré."):
        services.revoke_certificate(
            certificate, reason=request.POST.get("reason", ""), actor=actor_of(request)
        )
    return redirect(certificate)


@require_POST
def reinstate(request: HttpRequest, pk: int) -> HttpResponse:
    certificate = selectors.get_certificate_for(request.user, pk)
    with reported(request, f"Le certificat {certificate.number} est rétabli."):
        services.reinstate_certificate(
            certificate, reason=request.POST.get("reason", ""), actor=actor_of(request)
        )
    return redirect(certificate)


@require_POST
def holder_link(request: HttpRequest, pk: int) -> HttpResponse:
    certificate = selectors.get_certificate_for(request.user, pk)
    with reported(request, "Un nouveau lien vers sa page est envoyé au ou à la titulaire."):
        services.send_holder_link(certificate, actor=actor_of(request))
    return redirect(certificate)


@login_not_required
@require_http_methods(["GET", "POST"])
def verify_certificate(request: HttpRequest, number: str | None = None) -> HttpResponse:
    """Public: is this number a valid certificate? Only the holder's name, the certification and the date
    are shown; lookups are limited per address against the enumeration of holders. A POST verifies an
    uploaded PDF or credential (`casefiles.views.credentials.verify_upload`)."""
    number = (request.GET.get("numero", "") if number is None else number).strip()
    context: dict[str, Any] = {"number": number, "statement": signing_statement()}
    status = 200
    asked = number or request.method == "POST"
    if asked and not allow(
        f"verifier:{client_ip(request) or ''}", limit=VERIFY_LIMIT, window_s=VERIFY_WINDOW_S
    ):
        context["error"] = "Trop de vérifications depuis votre adresse. Réessayez dans quelques minutes."
        status = 429
    elif request.method == "POST":
        context.update(verify_upload(request))
    elif number:
        context.update(_public_answer(number))
    return TemplateResponse(request, "casefiles/certificates/verify.html", context, status=status)


def _public_answer(number: str) -> dict[str, Any]:
    try:
        outcome, certificate = selectors.verify(number)
    except ValidationError as error:  # not in today's form: perhaps a number of the old system, as issued
        outcome, certificate = _as_issued(number) or ("", None)
        if certificate is None:
            return {"error": " ".join(error.messages)}
    if certificate is None:
        outcome, certificate = _as_issued(number) or (outcome, None)
    if certificate is None:
        return {"outcome": outcome}
    # Nothing else of the certificate reaches the template: no birth date, no reason, no file.
    answer: dict[str, Any] = {
        "number": certificate.number,  # as issued, whatever the visitor typed
        "holder": certificate.holder,
        "certification": certificate.certification.name,
    }
    if outcome == "valid":
        answer["awarded_on"] = certificate.awarded_on
    return {"outcome": outcome, "answer": answer}


def _as_issued(number: str) -> tuple[str, Certificate] | None:
    """A number the old system issued, taken over as it was (any form, any case): found as typed, or in
    capitals — the verification answers for it exactly as for one of ours. (Only numbers the selector did
    not find, so one more query for unknown and malformed numbers only.)"""
    found = {
        certificate.number: certificate
        for certificate in Certificate.objects.select_related("certification")
        .filter(number__in=lookup_forms(number))
        .exclude(status=CertificateStatus.PENDING)
    }
    certificate = next((found[form] for form in lookup_forms(number) if form in found), None)
    if certificate is None:
        return None
    return ("revoked" if certificate.status == CertificateStatus.REVOKED else "valid"), certificate


class CertificatesApp(Application):
    title = "Certificats"
    icon = "workspace_premium"
    app_name = "certificats"
    menu_template_name = None
    base_template_name = "backoffice/base_page.html"

    index_path = path("", certificate_list, name="index")
    detail_path = path("<int:pk>/", certificate_detail, name="detail")
    pdf_path = path("<int:pk>/certificat.pdf", certificate_pdf, name="pdf")
    reissue_path = path("<int:pk>/duplicata/", reissue, name="reissue")
    revoke_path = path("<int:pk>/retirer/", revoke, name="revoke")
    reinstate_path = path("<int:pk>/retablir/", reinstate, name="reinstate")
    holder_link_path = path("<int:pk>/lien-titulaire/", holder_link, name="holder_link")
    removed_from_cdc_path = path(
        "<int:pk>/retire-du-si-cpf/", transmissions.removed_from_cdc, name="removed_from_cdc"
    )
    transmissions_path = path("transmissions/", transmissions.transmission_list, name="transmissions")
    transmission_request_path = path(
        "transmissions/preparer/", transmissions.transmission_request, name="transmission_request"
    )
    transmission_path = path(
        "transmissions/<int:pk>/", transmissions.transmission_detail, name="transmission"
    )
    transmission_file_path = path(
        "transmissions/<int:pk>/fichier.xml", transmissions.transmission_file, name="transmission_file"
    )
    transmission_deposit_path = path(
        "transmissions/<int:pk>/depose/", transmissions.transmission_deposit, name="transmission_deposit"
    )
    transmission_abandon_path = path(
        "transmissions/<int:pk>/abandonner/", transmissions.transmission_abandon, name="transmission_abandon"
    )
    transmission_receipt_path = path(
        "transmissions/<int:pk>/accuse/", transmissions.transmission_receipt, name="transmission_receipt"
    )

    def has_view_permission(self, user: Any, obj: Any = None) -> bool:
        return has_role(user, *selectors.CERTIFICATE_ROLES)
