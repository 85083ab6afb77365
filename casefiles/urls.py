"""The public pages (no login): the verification page, the issuer's DID document, the revocation status
lists and the holder's private page; the certificate pages are `CertificatesApp` in the site's menu."""

from __future__ import annotations

from django.urls import URLPattern, path
from django.views.decorators.http import require_GET

from casefiles.views import certificates, credentials

urlpatterns: list[URLPattern] = [
    # Public: the certificate's QR code points to /verifier/<number>/ (casefiles.documents.verification_url).
    path("verifier/", certificates.verify_certificate, name="certificate_verify"),
    path(
        "verifier/<str:number>/",
        require_GET(certificates.verify_certificate),  # a document is checked on /verifier/ only
        name="certificate_verify_number",
    ),
    # did:web — the document of Certif'Pro's decentralised identifier, with its public keys.
    path(".well-known/did.json", credentials.did_document, name="did_document"),
    path("statuts/<slug:code>/<int:number>/", credentials.status_list, name="status_list"),
    # The holder's private link (sent by e-mail): their certificate to download and share.
    path("mon-certificat/<int:pk>/<str:token>/", credentials.holder_page, name="holder_page"),
    path("mon-certificat/<int:pk>/<str:token>/certificat.pdf", credentials.holder_pdf, name="holder_pdf"),
    *(
        path(
            f"mon-certificat/<int:pk>/<str:token>/attestation.{extension}",
            credentials.holder_credential,
            {"extension": extension},
            name=f"holder_credential_{extension}",
        )
        for extension in ("jwt", "json")
    ),
]
