"""The public side of the credentials: Certif'Pro's DID document, the revocation status lists, the holder's
private page (their signed PDF, their credential, LinkedIn), and the verifier of an uploaded credential
or PDF (the form of /verifier/)."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET

from backoffice.core.signing.pdf import verify_pdf
from backoffice.core.uploads import serve_stored_file
from casefiles.credentials import keys
from casefiles.credentials.holder import check_holder_token, linkedin_url
from casefiles.credentials.verify import ENVELOPE_PREFIX, MAX_CREDENTIAL_BYTES, Line, verify_credential
from casefiles.documents import verification_url
from casefiles.models import Certificate, CertificateStatus, Credential, StatusList
from casefiles.services.certificates import render_certificate_pdf
from casefiles.services.credentials import current_status_list, issue_credentials

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
PUBLIC_CACHE = "public, max-age=300"


def _public(response: HttpResponse) -> HttpResponse:
    """Verifiers fetch these from anywhere (a wallet, a browser page): any origin may read them."""
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = PUBLIC_CACHE
    return response


@login_not_required
@require_GET
def did_document(request: HttpRequest) -> HttpResponse:
    """/.well-known/did.json: the keys that sign the credentials and status lists, current and earlier."""
    if not keys.credential_keys():
        raise Http404("Aucune clé de signature des attestations n'est configurée.")
    return _public(
        JsonResponse(
            keys.did_document(), content_type="application/did+json", json_dumps_params={"indent": 2}
        )
    )


@login_not_required
@require_GET
def status_list(request: HttpRequest, code: str, number: int) -> HttpResponse:
    """A certification's revocation list, signed (VC-JWT), as last published (published now if stale)."""
    found = get_object_or_404(StatusList, certification__code__iexact=code, number=number)
    published = current_status_list(found)
    if not published.jwt:
        raise Http404("Cette liste de statuts n'est pas encore publiée.")
    if published.stale:  # behind a revocation: never serve an old status as current
        response = HttpResponse(
            "Liste de statuts en cours de republication : réessayez dans une minute.",
            status=503,
            content_type="text/plain; charset=utf-8",
        )
        response["Retry-After"] = "60"
        return response
    return _public(HttpResponse(published.jwt, content_type="application/vc+jwt"))


# The holder's page


def _holder_certificate(pk: int, token: str) -> Certificate:
    """The certificate of a valid private link, issued or revoked; 404 alike for any wrong link."""
    certificate = (
        Certificate.objects.select_related("certification", "credential")
        .exclude(status=CertificateStatus.PENDING)
        .filter(pk=pk)
        .first()
    )
    if certificate is None or not check_holder_token(certificate, token):
        raise Http404("Ce lien n'est pas ou plus valide.")
    return certificate


def _private(response: HttpResponse | FileResponse) -> HttpResponse | FileResponse:
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@login_not_required
@require_GET
def holder_page(request: HttpRequest, pk: int, token: str) -> HttpResponse:
    certificate = _holder_certificate(pk, token)
    credential = _credential_of(certificate)
    url = verification_url(certificate.number)
    context = {
        "certificate": certificate,
        "credential": credential,
        "token": token,
        "verification_url": url,
        "linkedin_url": linkedin_url(certificate, url),
        "revoked": certificate.status == CertificateStatus.REVOKED,
    }
    response = TemplateResponse(request, "casefiles/certificates/holder.html", context)
    _private(response)
    return response


def _credential_of(certificate: Certificate) -> Credential | None:
    """The certificate's credential, issued now if the job has not done it yet (and a key is configured)."""
    try:
        return certificate.credential
    except Credential.DoesNotExist:
        pass
    if certificate.status == CertificateStatus.ISSUED:
        issue_credentials([certificate.pk])
    return Credential.objects.filter(certificate=certificate).first()


@login_not_required
@require_GET
def holder_pdf(request: HttpRequest, pk: int, token: str) -> FileResponse:
    certificate = _holder_certificate(pk, token)
    if not certificate.pdf:
        render_certificate_pdf(certificate.pk)
        certificate.refresh_from_db(fields=["pdf"])
    response = serve_stored_file(
        certificate.pdf,
        filename=f"{certificate.number}.pdf",
        content_type="application/pdf",
        missing="Le PDF de ce certificat n'est pas disponible : demandez un duplicata à Certif'Pro.",
        as_attachment=True,
    )
    _private(response)
    return response


@login_not_required
@require_GET
def holder_credential(request: HttpRequest, pk: int, token: str, extension: str) -> HttpResponse:
    """The credential as signed (`.jwt`), or enveloped in JSON as the VC data model 2.0 says (`.json`)."""
    certificate = _holder_certificate(pk, token)
    credential = _credential_of(certificate)
    if credential is None:
        raise Http404("L'attestation numérique de ce certificat n'est pas encore émise.")
    if extension == "jwt":
        body, content_type = credential.jwt, "application/vc+jwt"
    else:
        envelope = {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "id": ENVELOPE_PREFIX + credential.jwt,
            "type": "EnvelopedVerifiableCredential",
        }
        body, content_type = json.dumps(envelope, indent=2), "application/json"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{certificate.number}.{extension}"'
    _private(response)
    return response


# The verifier's form


def verify_upload(request: HttpRequest) -> dict[str, Any]:
    """What holds of the uploaded file (a PDF or a credential) or the pasted credential, for the page."""
    upload: UploadedFile | None = request.FILES.get("fichier")
    pasted = request.POST.get("attestation", "")
    if upload is not None and upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
        return _verdict([Line(False, "Fichier trop volumineux : 10 Mo au plus.")], kind="")
    if upload is not None:
        data = upload.read(MAX_UPLOAD_BYTES + 1)
        if len(data) > MAX_UPLOAD_BYTES:
            return _verdict([Line(False, "Fichier trop volumineux : 10 Mo au plus.")], kind="")
    elif pasted.strip():
        data = pasted.encode()
    else:
        return _verdict(
            [Line(False, "Choisissez un fichier (PDF, .jwt ou .json) ou collez une attestation.")], kind=""
        )
    if data.startswith(b"%PDF") or (upload is not None and (upload.name or "").lower().endswith(".pdf")):
        return _pdf_verdict(data)
    if len(data) > MAX_CREDENTIAL_BYTES:
        return _verdict(
            [Line(False, "Ce fichier est trop volumineux pour être une attestation (64 Ko au plus).")],
            kind="",
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return _verdict(
            [Line(False, "Ce fichier n'est ni un PDF ni une attestation (texte illisible).")], kind=""
        )
    verdict = verify_credential(text)
    return _verdict(verdict.lines, kind="attestation", number=verdict.number)


def _pdf_verdict(data: bytes) -> dict[str, Any]:
    verdict = verify_pdf(data)
    lines = [Line(ok, text) for ok, text in verdict.lines]
    number = ""
    document = verdict.document
    if document is not None and document.kind in {"certificate", "duplicate"} and verdict.intact:
        certificate = Certificate.objects.filter(number=document.reference).first()
        if certificate is not None:
            number = certificate.number
            if certificate.status == CertificateStatus.REVOKED:
                lines.append(
                    Line(
                        False, f"Certificat n° {number} retiré (révoqué) par Certif'Pro depuis son émission."
                    )
                )
            else:
                lines.append(Line(True, f"Certificat n° {number} en vigueur."))
    # Intact and in our register of signed documents: ours, even sealed with a certificate since renewed.
    ours = verdict.valid or (verdict.intact and document is not None)
    return _verdict(lines, kind="pdf", number=number, valid=ours)


def _verdict(lines: list[Line], *, kind: str, number: str = "", valid: bool = True) -> dict[str, Any]:
    valid = valid and bool(lines) and all(line.ok for line in lines)
    return {"verdict": {"lines": lines, "valid": valid, "kind": kind, "number": number}}
