"""The verdict on any file handed to us: valid only when signed by Certif'Pro's certificate and unchanged
since; every other file (changed by one byte, extended, signed by someone else, unsigned, not a PDF) gets
its French sentence, never an exception, never "valid"."""

from __future__ import annotations

import io

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pypdf import PdfReader, PdfWriter

from backoffice.core.signing import pdf
from backoffice.core.signing.models import SignedKind
from backoffice.core.signing.pdf import sign_pdf, signing_statement, verify_pdf
from tests.signing.helpers import sign_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed(unsigned_pdf) -> bytes:
    return sign_pdf(
        unsigned_pdf,
        kind=SignedKind.CERTIFICATE,
        reference="CLEA-2026-IDF-000001",
        label="Certificat CléA n° CLEA-2026-IDF-000001",
    )


def test_a_pdf_signed_by_certifpro_is_valid_and_names_its_document(signed):
    verdict = verify_pdf(signed)

    assert verdict.valid and verdict.signed and verdict.intact and verdict.trusted
    assert not verdict.qualified and not verdict.timestamped and verdict.signed_at is not None
    assert verdict.signer == "Certif'Pro — certificat de démonstration (non qualifié)"
    assert verdict.document is not None and verdict.document.reference == "CLEA-2026-IDF-000001"
    assert verdict.lines[0] == (True, pdf.VALID_SELF_SIGNED)
    assert verdict.lines[1][1].startswith("Document émis par Certif'Pro le ")
    assert verdict.lines[-1] == (True, pdf.NOT_TIMESTAMPED)


def test_a_qualified_certificate_says_so(signed, settings):
    settings.SIGNING_CERTIFICATE_QUALIFIED = True

    verdict = verify_pdf(signed)

    assert verdict.qualified and verdict.lines[0] == (True, pdf.VALID_QUALIFIED)
    assert "cachet électronique qualifié" in signing_statement()


def test_one_changed_byte_in_the_signed_content_makes_it_not_intact(signed):
    tampered = bytearray(signed)
    tampered[len(signed) // 10] ^= 0x01  # inside the first signed range (the original document)

    verdict = verify_pdf(bytes(tampered))

    assert verdict.signed and not verdict.intact and not verdict.valid and verdict.document is None
    assert verdict.lines == [(False, pdf.TAMPERED)]


def test_one_changed_byte_anywhere_is_never_valid(signed):
    for position in range(0, len(signed), max(1, len(signed) // 40)):
        tampered = bytearray(signed)
        tampered[position] ^= 0x20

        verdict = verify_pdf(bytes(tampered))

        assert not verdict.valid, position
        assert verdict.lines and not verdict.lines[0][0], position


def test_a_changed_byte_in_the_signatures_own_hex_string_is_never_valid(signed):
    """The one stretch the signature does not cover: a letter's case, a reserved zero."""
    start, end = signed.index(b"/Contents <") + len(b"/Contents <"), signed.index(b"0000>")
    letter = next(i for i in range(start, end) if signed[i : i + 1].isalpha())

    for position, byte in ((letter, signed[letter] ^ 0x20), (end, ord("1"))):
        tampered = bytearray(signed)
        tampered[position] = byte

        assert not verify_pdf(bytes(tampered)).valid, position


def test_an_update_appended_after_the_signature_makes_it_not_intact(signed):
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    writer.root["/Lang"] = generic.TextStringObject("en")
    writer.update_root()
    updated = io.BytesIO()
    writer.write(updated)

    verdict = verify_pdf(updated.getvalue())

    assert verdict.signed and not verdict.intact and not verdict.valid
    assert verdict.lines == [(False, pdf.TAMPERED)]
    assert not verify_pdf(signed + b"\n1 0 obj (ajout) endobj\n%%EOF\n").valid


def test_a_pdf_signed_with_another_key_is_untrusted(unsigned_pdf, other_keys):
    verdict = verify_pdf(sign_with(other_keys, "other", unsigned_pdf))

    assert verdict.signed and verdict.intact and not verdict.trusted and not verdict.valid
    assert verdict.lines[0] == (False, pdf.OTHER_SIGNER)


def test_a_pdf_signed_before_a_key_rotation_is_recognised_by_its_hash(unsigned_pdf, other_keys, settings):
    settings.SIGNING_PKCS12_PATH, settings.SIGNING_PKCS12_PASSWORD = str(other_keys), "other"
    earlier = sign_pdf(unsigned_pdf, kind=SignedKind.MINUTES, reference="7", label="Procès-verbal")
    settings.SIGNING_PKCS12_PATH, settings.SIGNING_PKCS12_PASSWORD = "var/test-keys/signing.p12", "test-only"

    verdict = verify_pdf(earlier)

    assert verdict.intact and not verdict.trusted and not verdict.valid
    assert verdict.document is not None and verdict.lines[0] == (True, pdf.EARLIER_CERTIFICATE)


@pytest.mark.parametrize(
    ("data", "line"),
    [
        (b"", pdf.NOT_A_PDF),
        (b"garbage \x00\xff" * 100, pdf.NOT_A_PDF),
        (b"%PDF-1.7\n" + b"\x00" * 500 + b"\n%%EOF\n", pdf.NOT_A_PDF),
        (b"%PDF-" + b"0" * pdf.MAX_PDF_BYTES, pdf.TOO_LARGE),
    ],
    ids=["empty", "garbage", "broken", "too-large"],
)
def test_what_is_not_a_readable_pdf_gets_its_french_line(data, line):
    verdict = verify_pdf(data)

    assert verdict.lines == [(False, line)] and not verdict.signed and not verdict.valid


def test_a_truncated_signed_pdf_is_not_readable(signed):
    assert verify_pdf(signed[:-100]).lines == [(False, pdf.NOT_A_PDF)]


def test_an_encrypted_pdf_is_not_checked(unsigned_pdf):
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(unsigned_pdf)))
    writer.encrypt("secret", algorithm="AES-256")
    encrypted = io.BytesIO()
    writer.write(encrypted)

    assert verify_pdf(encrypted.getvalue()).lines == [(False, pdf.ENCRYPTED)]


def test_an_unsigned_pdf_says_it_is_not_signed(unsigned_pdf):
    verdict = verify_pdf(unsigned_pdf)

    assert verdict.lines == [(False, pdf.NOT_SIGNED)] and not verdict.signed and not verdict.valid


def test_with_signing_off_nothing_is_trusted(signed, settings):
    settings.SIGNING_PKCS12_PATH = ""

    verdict = verify_pdf(signed)

    assert verdict.intact and not verdict.valid and verdict.lines[0] == (True, pdf.EARLIER_CERTIFICATE)
