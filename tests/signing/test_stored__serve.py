"""A PDF stored before signing was configured (older rows, the demo's) is never served unsigned afterwards:
its first download signs it and replaces the stored file, once; a withdrawn certificate's stays as it was,
and so does any document a person uploaded."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accreditation.models import AccreditationApplication
from accreditation.services import store_decision_letter
from backoffice.core.signing.models import SignedDocument, SignedKind
from backoffice.core.signing.pdf import is_signed, verify_pdf
from backoffice.core.signing.stored import sealed_file
from casefiles.models import Certificate, DocumentCategory, JurySession
from casefiles.services import attach_document, issue_certificate, revoke_certificate, store_minutes

pytestmark = pytest.mark.django_db


def body_of(response) -> bytes:  # type: ignore[no-untyped-def]
    return b"".join(response.streaming_content)  # the test client closes it at the end, connections kept


@pytest.fixture
def stored_unsigned(settings, awarded) -> Certificate:
    """A certificate whose PDF was rendered while signing was off; signing is on again."""
    path = settings.SIGNING_PKCS12_PATH
    settings.SIGNING_PKCS12_PATH = ""
    issue_certificate(awarded[0].pk)
    settings.SIGNING_PKCS12_PATH = path
    certificate = Certificate.objects.get(pk=awarded[0].pk)
    assert not is_signed(certificate.pdf.read())
    return certificate


def test_an_unsigned_stored_certificate_is_signed_at_its_first_download_once(
    stored_unsigned, client_for, jury_member, django_capture_on_commit_callbacks
):
    url = f"/certificats/{stored_unsigned.pk}/certificat.pdf"
    unsigned_name = stored_unsigned.pdf.name

    with django_capture_on_commit_callbacks(execute=True):
        first = body_of(client_for(jury_member).get(url))
    second = body_of(client_for(jury_member).get(url))

    assert verify_pdf(first).valid and second == first
    stored_unsigned.refresh_from_db()
    assert stored_unsigned.pdf.name != unsigned_name and stored_unsigned.pdf.read() == first
    assert not stored_unsigned.pdf.storage.exists(unsigned_name)  # replaced, not kept beside
    document = SignedDocument.objects.get()
    assert (document.kind, document.reference) == (SignedKind.CERTIFICATE, stored_unsigned.number)


def test_a_request_holding_the_old_row_serves_the_signed_file_without_signing_again(stored_unsigned):
    stale = Certificate.objects.get(pk=stored_unsigned.pk)  # read before the first download signed it

    sealed_file(stored_unsigned.pdf)
    served = sealed_file(stale.pdf)

    assert served.name != stale.pdf.name and is_signed(served.read())
    assert SignedDocument.objects.count() == 1


def test_a_withdrawn_certificates_unsigned_pdf_is_not_signed_after_its_withdrawal(
    stored_unsigned, supervisor
):
    revoke_certificate(stored_unsigned, reason="Fraude", actor=supervisor)
    stored_unsigned.refresh_from_db()

    served = sealed_file(stored_unsigned.pdf)

    assert served.name == stored_unsigned.pdf.name and not is_signed(served.read())
    assert not SignedDocument.objects.exists()


def test_with_signing_off_a_stored_pdf_is_served_as_stored(stored_unsigned, settings):
    settings.SIGNING_PKCS12_PATH = ""

    assert sealed_file(stored_unsigned.pdf).name == stored_unsigned.pdf.name
    assert not SignedDocument.objects.exists()


def test_unsigned_stored_minutes_and_decision_letter_are_signed_when_served(settings, awarded, decided):
    path, settings.SIGNING_PKCS12_PATH = settings.SIGNING_PKCS12_PATH, ""
    store_minutes(awarded[0].session_id)
    store_decision_letter(decided[0].pk)
    settings.SIGNING_PKCS12_PATH = path
    session = JurySession.objects.get(pk=awarded[0].session_id)
    application = AccreditationApplication.objects.get(pk=decided[0].pk)

    for stored in (session.minutes, application.decision_letter):
        assert verify_pdf(sealed_file(stored).read()).valid
    assert set(SignedDocument.objects.values_list("kind", flat=True)) == {
        SignedKind.MINUTES,
        SignedKind.DECISION_LETTER,
    }


def test_a_pdf_a_person_uploaded_is_served_as_uploaded(two_ready_files, evaluator, unsigned_pdf):
    upload = SimpleUploadedFile("compte-rendu.pdf", unsigned_pdf, content_type="application/pdf")
    document = attach_document(
        two_ready_files[0], upload=upload, category=DocumentCategory.POSITIONING_REPORT, actor=evaluator
    )

    served = sealed_file(document.file)

    assert served.name == document.file.name and served.read() == unsigned_pdf
    assert not SignedDocument.objects.exists()
