"""The public verification page (no login); the certificate pages are `CertificatesApp` in the site's menu."""

from __future__ import annotations

from django.urls import URLPattern, path

from casefiles.views import certificates

urlpatterns: list[URLPattern] = [
    # Public: the certificate's QR code points to /verifier/<number>/ (casefiles.documents.verification_url).
    path("verifier/", certificates.verify_certificate, name="certificate_verify"),
    path("verifier/<str:number>/", certificates.verify_certificate, name="certificate_verify_number"),
]
