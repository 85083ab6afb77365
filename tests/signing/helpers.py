"""Keys and signatures from elsewhere (a trust provider's certificate, another signer), and pyHanko's own
validator, for the tests of signed PDFs (and of `check --deploy` with a production-like certificate)."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from backoffice.core.signing.keys import load_signer


def issued_pkcs12(directory: Path, password: str) -> Path:
    """A PKCS#12 file as a trust provider would deliver it: a seal certificate issued by a CA (not
    self-signed), with its key. For the tests of what a non-demo certificate changes."""
    now = dt.datetime.now(dt.UTC)

    def issue(subject: str, issuer: str, public: Any, signer: Any, *, ca: bool) -> x509.Certificate:
        return (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(public)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .sign(signer, hashes.SHA256())
        )

    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    authority = issue(
        "Prestataire de confiance (test)",
        "Prestataire de confiance (test)",
        ca_key.public_key(),
        ca_key,
        ca=True,
    )
    seal = issue(
        "Certif'Pro — cachet (test)", "Prestataire de confiance (test)", key.public_key(), ca_key, ca=False
    )
    path = directory / "issued.p12"
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"seal", key, seal, [authority], serialization.BestAvailableEncryption(password.encode())
        )
    )
    return path


def sign_with(pkcs12: Path, password: str, data: bytes) -> bytes:
    """`data` signed with pyHanko directly (no record on our side), as anyone else could."""
    signer = signers.SimpleSigner.load_pkcs12_data(
        pkcs12.read_bytes(), other_certs=[], passphrase=password.encode()
    )
    metadata = signers.PdfSignatureMetadata(
        field_name="Signature", md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES
    )
    return bytes(
        signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(data)), metadata, signer=signer).getvalue()
    )


def pyhanko_status(data: bytes) -> Any:
    """pyHanko's own verdict on the file's one signature, against the configured certificate alone."""
    (signature,) = PdfFileReader(io.BytesIO(data)).embedded_signatures
    context = ValidationContext(trust_roots=[load_signer().signing_cert], allow_fetching=False)
    return validate_pdf_signature(signature, signer_validation_context=context)
