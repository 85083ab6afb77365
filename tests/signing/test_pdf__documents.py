"""Every PDF Certif'Pro renders leaves its service signed (PAdES, SHA-256, Certif'Pro's certificate) and
recorded by its hash: the certificate and its duplicate, the jury's minutes, the decision letter, the
statement of acquisitions. Signing off, they stay as rendered."""

from __future__ import annotations

import pytest
from pyhanko.sign.validation.status import SignatureCoverageLevel

from accreditation.tasks import render_decision_letter_job
from backoffice.core.signing.models import SignedDocument, SignedKind
from backoffice.core.signing.pdf import is_signed, signing_statement, verify_pdf
from casefiles.models import Certificate
from casefiles.services import issue_certificate, reissue_certificate
from casefiles.services.decisions import store_minutes
from tests.signing.helpers import pyhanko_status

pytestmark = pytest.mark.django_db


def assert_signed_by_certifpro(data: bytes, *, kind: str, reference: str) -> None:
    status = pyhanko_status(data)
    assert status.intact and status.valid and status.trusted and status.bottom_line
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE and status.md_algorithm == "sha256"
    verdict = verify_pdf(data)
    assert verdict.valid and verdict.document is not None
    assert (verdict.document.kind, verdict.document.reference) == (kind, reference)


def test_the_certificate_and_the_session_minutes_are_signed_when_rendered(awarded):
    certificate = awarded[0]
    issue_certificate(certificate.pk)  # the worker's job: issue, then render
    store_minutes(certificate.session_id)

    certificate.refresh_from_db()
    assert_signed_by_certifpro(
        certificate.pdf.read(), kind=SignedKind.CERTIFICATE, reference=certificate.number
    )
    minutes = certificate.session.minutes.read()
    assert_signed_by_certifpro(minutes, kind=SignedKind.MINUTES, reference=str(certificate.session_id))
    assert (
        SignedDocument.objects.get(kind=SignedKind.CERTIFICATE).label
        == f"Certificat CléA n° {certificate.number}"
    )


def test_a_duplicate_is_signed_as_a_duplicate(certificate, officer):
    duplicate = reissue_certificate(certificate, actor=officer)

    assert_signed_by_certifpro(duplicate.pdf.read(), kind=SignedKind.DUPLICATE, reference=certificate.number)
    assert SignedDocument.objects.get(kind=SignedKind.DUPLICATE).label.endswith(", duplicata n° 1")


def test_the_decision_letter_is_signed_by_the_worker(decided):
    application, _ = decided

    render_decision_letter_job.fn(application.pk)

    application.refresh_from_db()
    data = application.decision_letter.read()
    assert_signed_by_certifpro(data, kind=SignedKind.DECISION_LETTER, reference=str(application.pk))


def test_the_statement_of_acquisitions_is_signed_once_per_content(client_for, evaluator, two_ready_files):
    url = f"/dossiers/{two_ready_files[0].pk}/attestation-des-acquis.pdf"

    first, second = (client_for(evaluator).get(url).content for _ in range(2))

    assert_signed_by_certifpro(first, kind=SignedKind.STATEMENT, reference=str(two_ready_files[0].pk))
    assert second == first  # the same content: the same signed document, not a new signature per view
    assert SignedDocument.objects.filter(kind=SignedKind.STATEMENT).count() == 1
    other = client_for(evaluator).get(f"/dossiers/{two_ready_files[1].pk}/attestation-des-acquis.pdf").content
    assert verify_pdf(other).valid and other != first
    assert SignedDocument.objects.filter(kind=SignedKind.STATEMENT).count() == 2


def test_with_signing_off_documents_stay_unsigned_and_the_statement_says_so(settings, awarded):
    settings.SIGNING_PKCS12_PATH = ""
    issue_certificate(awarded[0].pk)

    data = Certificate.objects.get(pk=awarded[0].pk).pdf.read()

    assert data.startswith(b"%PDF-") and not is_signed(data)
    assert not SignedDocument.objects.exists()
    assert (
        signing_statement()
        == "Les documents ne sont pas signés : aucun certificat de signature n'est configuré."
    )
