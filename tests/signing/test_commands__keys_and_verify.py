"""`make_demo_keys` writes the demo's keys once and says how to use them; `verify_pdf` tells support staff
in French what a PDF proves, exit code 0 only for a PDF signed by Certif'Pro and unchanged since."""

from __future__ import annotations

import io
import json

import pytest
from cryptography.hazmat.primitives.serialization import pkcs12
from django.core.management import call_command
from joserfc.jwk import OKPKey

from backoffice.core.signing import pdf
from backoffice.core.signing.keys import DEMO_COMMON_NAME, common_name, is_self_signed
from backoffice.core.signing.models import SignedKind
from backoffice.core.signing.pdf import sign_pdf

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command(*args, stdout=out)
    except SystemExit as exit:
        return int(exit.code or 0), out.getvalue()
    return 0, out.getvalue()


def test_make_demo_keys_writes_the_keys_once_and_prints_the_environment(tmp_path, settings):
    settings.SIGNING_PKCS12_PASSWORD = ""

    _, printed = run("make_demo_keys", str(tmp_path / "keys"))
    first = {path.name: path.read_bytes() for path in (tmp_path / "keys").iterdir()}
    run("make_demo_keys", str(tmp_path / "keys"))

    assert printed.splitlines() == [
        f"SIGNING_PKCS12_PATH={tmp_path}/keys/signing.p12",
        "SIGNING_PKCS12_PASSWORD=demo",
        f"CREDENTIAL_KEY_PATHS={tmp_path}/keys/credentials-2.jwk,{tmp_path}/keys/credentials-1.jwk",
    ]
    assert {path.name: path.read_bytes() for path in (tmp_path / "keys").iterdir()} == first
    _, certificate, _ = pkcs12.load_key_and_certificates(first["signing.p12"], b"demo")
    assert certificate is not None and is_self_signed(certificate)
    assert common_name(certificate.subject) == DEMO_COMMON_NAME
    for name in ("credentials-1.jwk", "credentials-2.jwk"):
        data = json.loads(first[name])
        key = OKPKey.import_key(data)
        assert data["kid"] == key.thumbprint() and data["crv"] == "Ed25519" and "d" in data
    assert first["credentials-1.jwk"] != first["credentials-2.jwk"]


def test_verify_pdf_exits_0_for_a_pdf_signed_by_certifpro(tmp_path, unsigned_pdf):
    path = tmp_path / "certificat.pdf"
    path.write_bytes(
        sign_pdf(unsigned_pdf, kind=SignedKind.CERTIFICATE, reference="CLEA-1", label="Certificat")
    )

    code, printed = run("verify_pdf", str(path))

    assert code == 0
    assert f"✓ {pdf.VALID_SELF_SIGNED}" in printed and "Signataire : Certif'Pro" in printed


def test_verify_pdf_exits_1_when_any_file_is_not_valid(tmp_path, unsigned_pdf):
    signed = sign_pdf(unsigned_pdf, kind=SignedKind.CERTIFICATE, reference="CLEA-1", label="Certificat")
    (tmp_path / "valide.pdf").write_bytes(signed)
    (tmp_path / "non-signe.pdf").write_bytes(unsigned_pdf)
    (tmp_path / "texte.pdf").write_bytes(b"bonjour")

    code, printed = run(
        "verify_pdf",
        *(str(tmp_path / name) for name in ("valide.pdf", "non-signe.pdf", "texte.pdf", "absent.pdf")),
    )

    assert code == 1
    assert f"✗ {pdf.NOT_SIGNED}" in printed and f"✗ {pdf.NOT_A_PDF}" in printed
    assert "✗ Fichier illisible" in printed
