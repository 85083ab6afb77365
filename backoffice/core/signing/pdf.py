"""Certif'Pro's PDFs sealed with a PAdES signature (pyHanko: baseline B-B, B-T with a timestamp authority),
and the verdict on any PDF someone hands us: is it signed, unchanged since, by our certificate, and which
document is it. Imported only where a document is signed or checked (pyHanko takes a while to import)."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import io
import logging
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from asn1crypto import cms
from cryptography import x509
from cryptography.utils import CryptographyDeprecationWarning
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import formats, timezone

from .keys import common_name, is_self_signed, load_signer, signer_certificate, signing_configured
from .models import SignedDocument

T = TypeVar("T")

with warnings.catch_warnings():  # pyHanko still imports cryptography's deprecated DSA types
    warnings.simplefilter("ignore", CryptographyDeprecationWarning)
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign import fields, signers
    from pyhanko.sign.timestamps import HTTPTimeStamper
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.settings import KeyUsageConstraints
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

logger = logging.getLogger(__name__)

REASON = "Document émis par Certif'Pro"
LOCATION = "France"
FIELD_NAME = "Signature Certif'Pro"
# Our documents weigh tens of kilobytes: a file beyond this is refused before any parsing.
MAX_PDF_BYTES = 20 * 1024 * 1024
# A seal certificate carries one or the other (ours both).
SEAL_KEY_USAGE = KeyUsageConstraints(
    key_usage={"digital_signature", "non_repudiation"}, match_all_key_usages=False
)

NOT_A_PDF = "Ce fichier n'est pas un PDF lisible."
TOO_LARGE = "Ce fichier est trop volumineux pour être un document de Certif'Pro : il n'est pas vérifié."
ENCRYPTED = "Ce PDF est chiffré : Certif'Pro n'émet pas de documents chiffrés, il n'est pas vérifié."
NOT_SIGNED = "Ce PDF n'est pas signé."
TAMPERED = "Document modifié après sa signature : il n'est pas authentique."
OTHER_SIGNER = "Signé par un autre certificat que celui de Certif'Pro."
EARLIER_CERTIFICATE = (
    "Signature valide, avec un certificat antérieur de Certif'Pro : ce fichier est exactement celui "
    "qu'elle a émis."
)
NO_CERTIFICATE = "La signature ne peut pas être vérifiée : aucun certificat de Certif'Pro n'est configuré."
VALID_SELF_SIGNED = (
    "Signature valide — certificat de démonstration, non qualifié : elle prouve que le document n'a pas été "
    "modifié depuis son émission, pas l'identité de l'émetteur."
)
VALID_NOT_QUALIFIED = (
    "Signature valide — certificat de Certif'Pro, non qualifié : elle prouve que le document n'a pas été "
    "modifié depuis que Certif'Pro l'a signé."
)
VALID_QUALIFIED = (
    "Signature valide — cachet électronique qualifié de Certif'Pro : le document n'a pas été modifié depuis "
    "son émission, et il émane de Certif'Pro."
)
NOT_TIMESTAMPED = "Non horodaté (PAdES B-B) : la date de signature est celle qu'indique Certif'Pro."


def outside_event_loop(work: Callable[[], T]) -> T:
    """pyHanko's synchronous calls run their own event loop (`asyncio.run`), which cannot start inside a
    running one (an ASGI server, Playwright's sync API in the browser tests): there, run in another thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return work()
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(work).result()


def sign_pdf(data: bytes, *, kind: str, reference: str, label: str) -> bytes:
    """The PDF sealed with Certif'Pro's certificate and recorded (`SignedDocument`), or `data` unchanged when
    signing is not configured. B-T when a timestamp authority is configured."""
    if not signing_configured():
        return data
    signer = load_signer()
    metadata = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=REASON,
        location=LOCATION,
    )
    timestamper = HTTPTimeStamper(settings.TSA_URL, timeout=10) if settings.TSA_URL else None
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    signed = outside_event_loop(
        lambda: signers.sign_pdf(writer, metadata, signer=signer, timestamper=timestamper).getvalue()
    )
    certificate = x509.load_der_x509_certificate(signer.signing_cert.dump())
    SignedDocument.objects.create(
        sha256=hashlib.sha256(signed).hexdigest(),
        kind=kind,
        reference=reference[:100],
        label=label[:200],
        signer_subject=certificate.subject.rfc4514_string()[:300],
    )
    return signed


def is_signed(data: bytes) -> bool:
    """Whether the PDF carries a signature (any, valid or not); False for what is not a readable PDF."""
    try:
        return bool(PdfFileReader(io.BytesIO(data), strict=False).embedded_signatures)
    except Exception:  # not a PDF, or a broken one: unsigned as far as serving goes
        return False


@dataclass(frozen=True)
class PdfVerdict:
    """What holds of a PDF: `lines` say it in French, each with whether it is good news."""

    signed: bool = False
    intact: bool = False  # the signed bytes are unchanged, and nothing was appended after the signature
    trusted: bool = False  # signed with the configured certificate
    qualified: bool = False
    timestamped: bool = False
    signed_at: dt.datetime | None = None  # the timestamp's time, else the time the signer declared
    signer: str = ""  # the signing certificate's common name
    document: SignedDocument | None = None  # the document Certif'Pro signed with exactly these bytes
    lines: list[tuple[bool, str]] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        """Signed by Certif'Pro and unchanged since: the one answer that makes the file authentic."""
        return self.signed and self.intact and self.trusted


def verify_pdf(data: bytes) -> PdfVerdict:
    """The verdict on any bytes (an upload): never raises, never says valid unless pyHanko's validator finds
    the signature intact, covering the whole file, and chained to the configured certificate."""
    if len(data) > MAX_PDF_BYTES:
        return PdfVerdict(lines=[(False, TOO_LARGE)])
    if b"%PDF-" not in data[:1024] or b"%%EOF" not in data[-1024:]:  # not a PDF, or cut short
        return PdfVerdict(lines=[(False, NOT_A_PDF)])
    try:
        reader = PdfFileReader(io.BytesIO(data))  # strict: ours always parse so, a hostile file may not
        if reader.encrypted:
            return PdfVerdict(lines=[(False, ENCRYPTED)])
        signatures = reader.embedded_regular_signatures
    except Exception:  # whatever a hostile or broken file makes the parser raise
        return PdfVerdict(lines=[(False, NOT_A_PDF)])
    if not signatures:
        return PdfVerdict(lines=[(False, NOT_SIGNED)])
    try:
        verdict = _judge(signatures[0], data)
    except Exception:  # a signature pyHanko cannot read: its bytes are not those signed
        logger.debug("Signature illisible", exc_info=True)
        return PdfVerdict(signed=True, lines=[(False, TAMPERED)])
    if verdict.intact:  # these very bytes, as Certif'Pro recorded them when it signed
        found = SignedDocument.objects.filter(sha256=hashlib.sha256(data).hexdigest()).first()
        verdict = replace(verdict, document=found)
    return replace(verdict, lines=_lines(verdict))


def _judge(signature: Any, data: bytes) -> PdfVerdict:
    """pyHanko's verdict on the first signature (ours, if any is): anything signed or appended after it leaves
    the file not intact, its signature no longer covering the whole file."""
    status = outside_event_loop(
        lambda: validate_pdf_signature(
            signature,
            signer_validation_context=_validation_context(),
            key_usage_settings=SEAL_KEY_USAGE,
            skip_diff=True,  # nothing may follow our signature: the coverage check says it, no diff to weigh
        )
    )
    covered = status.coverage == SignatureCoverageLevel.ENTIRE_FILE and _container_untouched(signature, data)
    intact = bool(status.intact and status.valid and covered)
    trusted = intact and status.trusted
    stamp = status.timestamp_validity
    timestamped = intact and stamp is not None and stamp.intact and stamp.valid
    return PdfVerdict(
        signed=True,
        intact=intact,
        trusted=trusted,
        qualified=trusted and settings.SIGNING_CERTIFICATE_QUALIFIED,
        timestamped=timestamped,
        signed_at=stamp.timestamp if timestamped and stamp is not None else status.signer_reported_dt,
        signer=common_name(x509.load_der_x509_certificate(status.signing_cert.dump()).subject),
    )


def _container_untouched(signature: Any, data: bytes) -> bool:
    """The one stretch the signature cannot cover, its own hex string, holds exactly the signature and the
    zeros reserved after it, written in one case: pyHanko reads the DER, ignores what follows it and reads
    hex in any case, so a byte changed there would leave the file changed and the signature whole."""
    _, before, after, _ = signature.byte_range
    content = bytes(signature.pkcs7_content)
    used = len(cms.ContentInfo.load(content).dump())
    written = {f"<{content.hex()}>".encode(), f"<{content.hex().upper()}>".encode()}
    return data[before:after] in written and not any(content[used:])


def _validation_context() -> ValidationContext:
    """Our certificate as the only trust root, and never a network request (no revocation fetched: a seal
    certificate revoked at its provider is not seen here)."""
    signer = _configured_signer()
    roots = [signer.signing_cert] if signer is not None else []
    return ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail")


def _configured_signer() -> Any:
    try:
        return load_signer()
    except ImproperlyConfigured:
        return None


def _lines(verdict: PdfVerdict) -> list[tuple[bool, str]]:
    if not verdict.intact:
        return [(False, TAMPERED)]
    lines = [_signature_line(verdict)]
    if verdict.document is not None:
        issued = _when(verdict.document.signed_at)
        lines.append((True, f"Document émis par Certif'Pro le {issued} : {verdict.document.label}."))
    if verdict.timestamped and verdict.signed_at is not None:
        lines.append((True, f"Horodaté le {_when(verdict.signed_at)} par une autorité d'horodatage."))
    else:
        lines.append((True, NOT_TIMESTAMPED))  # a limit of B-B, not a fault: the seal itself holds
    return lines


def _signature_line(verdict: PdfVerdict) -> tuple[bool, str]:
    if not verdict.trusted and verdict.document is not None:
        return (True, EARLIER_CERTIFICATE)  # signed before a rotation: the registry knows these very bytes
    if not verdict.trusted:
        return (False, OTHER_SIGNER if _configured_signer() is not None else NO_CERTIFICATE)
    if verdict.qualified:
        return (True, VALID_QUALIFIED)
    return (True, VALID_SELF_SIGNED if is_self_signed(signer_certificate()) else VALID_NOT_QUALIFIED)


def _when(moment: dt.datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "j F Y à H:i")


def signing_statement() -> str:
    """What the signatures of the current configuration prove, in one French sentence."""
    if not signing_configured():
        return "Les documents ne sont pas signés : aucun certificat de signature n'est configuré."
    try:
        certificate = signer_certificate()
    except ImproperlyConfigured:
        return "Les documents ne peuvent pas être signés : le certificat de signature est illisible."
    if settings.SIGNING_CERTIFICATE_QUALIFIED:
        return (
            "Les documents portent le cachet électronique qualifié de Certif'Pro : sa signature prouve qu'un "
            "document n'a pas été modifié depuis son émission et qu'il émane de Certif'Pro."
        )
    if is_self_signed(certificate):
        return (
            "Les documents sont signés avec un certificat de démonstration, non qualifié : la signature "
            "prouve qu'un document n'a pas été modifié depuis son émission, pas l'identité de son émetteur."
        )
    return (
        "Les documents sont signés avec le certificat de Certif'Pro, non qualifié : la signature prouve "
        "qu'un document n'a pas été modifié depuis que Certif'Pro l'a signé."
    )
