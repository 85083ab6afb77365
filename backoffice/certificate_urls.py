"""URLs of the certificate pages and of the public verification page."""

from __future__ import annotations

from django.urls import URLPattern, path

from . import certificates

urlpatterns: list[URLPattern] = [
    path("certificats/", certificates.certificate_list, name="certificate_list"),
    path("certificats/export.csv", certificates.export_holders, name="certificate_export"),
    path("certificats/<int:pk>/", certificates.certificate_detail, name="certificate_detail"),
    path("certificats/<int:pk>/certificat.pdf", certificates.certificate_pdf, name="certificate_pdf"),
    path("certificats/<int:pk>/duplicata/", certificates.reissue, name="certificate_reissue"),
    path("certificats/<int:pk>/retirer/", certificates.revoke, name="certificate_revoke"),
    # Public: the certificate's QR code points to /verifier/<number>/ (casefiles.documents.verification_url).
    path("verifier/", certificates.verify_certificate, name="certificate_verify"),
    path("verifier/<str:number>/", certificates.verify_certificate, name="certificate_verify_number"),
]
