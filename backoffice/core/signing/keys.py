"""Certif'Pro's signing keys: the PKCS#12 file the PDFs are sealed with (settings.SIGNING_PKCS12_PATH), loaded
once per process, and the demo's own keys, generated at set-up (`manage.py make_demo_keys`)."""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.utils import CryptographyDeprecationWarning
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DEMO_COMMON_NAME = "Certif'Pro — certificat de démonstration (non qualifié)"
DEMO_VALIDITY = dt.timedelta(days=3650)
SIGNING_FILE = "signing.p12"
# The older key first written, then the current one: the demo starts with a rotation already done, so that a
# credential signed with a retired key is seen to verify.
CREDENTIAL_FILES = ("credentials-1.jwk", "credentials-2.jwk")

_lock = threading.Lock()
_loaded: dict[tuple[str, str, int], Any] = {}


def resolve(path: str) -> Path:
    """A configured path, relative ones taken from the project's directory."""
    candidate = Path(path)
    return candidate if candidate.is_absolute() else Path(settings.BASE_DIR) / candidate


def signing_configured() -> bool:
    """Whether the PDFs are to be signed (a PKCS#12 file is configured)."""
    return bool(settings.SIGNING_PKCS12_PATH)


def load_signer() -> Any:
    """The pyHanko signer of the configured PKCS#12 file, read once per process (again if the path, the
    password or the file changes). ImproperlyConfigured if none is configured or it cannot be read."""
    if not signing_configured():
        raise ImproperlyConfigured("Aucun certificat de signature n'est configuré (SIGNING_PKCS12_PATH).")
    path = resolve(settings.SIGNING_PKCS12_PATH)
    password = settings.SIGNING_PKCS12_PASSWORD
    try:
        key = (str(path), password, path.stat().st_mtime_ns)
    except OSError as missing:
        raise ImproperlyConfigured(f"Le fichier de signature {path} est introuvable.") from missing
    with _lock:
        if key not in _loaded:
            _loaded.clear()
            _loaded[key] = _read_pkcs12(path, password)
        return _loaded[key]


def _read_pkcs12(path: Path, password: str) -> Any:
    with warnings.catch_warnings():  # pyHanko still imports cryptography's deprecated DSA types
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        from pyhanko.sign.signers import SimpleSigner  # loaded only when a document is signed or checked

    try:
        return SimpleSigner.load_pkcs12_data(
            path.read_bytes(), other_certs=[], passphrase=password.encode() if password else None
        )
    except (OSError, ValueError) as unreadable:
        raise ImproperlyConfigured(
            f"Le fichier de signature {path} est illisible (mot de passe : SIGNING_PKCS12_PASSWORD)."
        ) from unreadable


def signer_certificate() -> x509.Certificate:
    """The configured signing certificate (ImproperlyConfigured as `load_signer`)."""
    return x509.load_der_x509_certificate(load_signer().signing_cert.dump())


def is_self_signed(certificate: x509.Certificate) -> bool:
    """Issued by itself: it proves a document's integrity, never who issued it."""
    if certificate.issuer != certificate.subject:
        return False
    try:
        certificate.verify_directly_issued_by(certificate)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def common_name(name: x509.Name) -> str:
    """The CN of a certificate's subject, else the whole subject."""
    names = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else name.rfc4514_string()


@dataclass(frozen=True)
class DemoKeys:
    signing: Path
    credentials: tuple[Path, ...]  # the current key first, as CREDENTIAL_KEY_PATHS lists them


def generate_demo_keys(directory: Path | str, password: str) -> DemoKeys:
    """Write the demo's keys into `directory` where missing: the self-signed signing certificate and its key
    (PKCS#12, with `password`) and two Ed25519 JWKs for the credentials. Several processes may start at once:
    each file appears whole, and the first one written stays."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    signing = folder / SIGNING_FILE
    if not signing.exists():
        _write_once(signing, _demo_pkcs12(password))
    for name in CREDENTIAL_FILES:
        if not (folder / name).exists():
            _write_once(folder / name, _demo_jwk())
    return DemoKeys(signing=signing, credentials=tuple(folder / name for name in reversed(CREDENTIAL_FILES)))


def _write_once(target: Path, content: bytes) -> None:
    """Write to a temporary file, then link it to its name: readers never see a half-written key, and when
    two processes race, the file first linked stays (a key replaced under a process that loaded the other
    would make its signatures untrusted)."""
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
        os.chmod(temporary, 0o600)
        try:
            os.link(temporary, target)
        except FileExistsError:
            pass  # another process wrote it first
        except OSError:  # a file system without hard links
            if not target.exists():
                os.replace(temporary, target)
    finally:
        Path(temporary).unlink(missing_ok=True)


def _demo_pkcs12(password: str) -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, DEMO_COMMON_NAME),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Certif'Pro"),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    usage = x509.KeyUsage(
        digital_signature=True,
        content_commitment=True,  # nonRepudiation
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + DEMO_VALIDITY)
        .add_extension(usage, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password.encode()) if password else serialization.NoEncryption()
    )
    return pkcs12.serialize_key_and_certificates(b"Certif'Pro demo", key, certificate, None, encryption)


def _demo_jwk() -> bytes:
    from joserfc.jwk import OKPKey

    key = OKPKey.generate_key("Ed25519")
    return json.dumps({**key.as_dict(private=True), "kid": key.thumbprint()}, indent=2).encode()
