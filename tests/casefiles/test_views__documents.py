"""Documents on the file page: upload, list, download and withdraw, each behind the file's scope."""

from __future__ import annotations

from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from casefiles.models import CaseFileDocument
from casefiles.services import attach_document

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n% compte rendu\n%%EOF\n"


def page_of(case_file) -> str:
    return f"/candidats/dossiers/{case_file.pk}/detail/"


@pytest.fixture
def document(case_file, evaluator):
    upload = SimpleUploadedFile("Compte rendu D1.pdf", PDF, content_type="application/pdf")
    return attach_document(case_file, upload=upload, category="positioning_report", actor=evaluator)


def test_evaluator_uploads_a_document_from_the_file_page_and_sees_it_listed(client_for, evaluator, case_file):
    client = client_for(evaluator)
    upload = SimpleUploadedFile("plan signé.pdf", PDF, content_type="application/pdf")

    response = client.post(
        f"/dossiers/{case_file.pk}/pieces/", {"category": "training_plan", "file": upload}, follow=True
    )

    page = unescape(response.content.decode())
    assert "La pièce est ajoutée au dossier." in page
    assert "Plan de formation signé" in page and "plan signé.pdf" in page
    assert CaseFileDocument.objects.get().uploaded_by == evaluator


def test_a_refused_upload_says_why_in_french_and_saves_nothing(client_for, evaluator, case_file):
    upload = SimpleUploadedFile("virus.pdf", b"MZ\x90\x00", content_type="application/pdf")
    response = client_for(evaluator).post(
        f"/dossiers/{case_file.pk}/pieces/", {"category": "other", "file": upload}, follow=True
    )
    assert "Seuls les documents PDF et les images PNG ou JPEG sont acceptés." in unescape(
        response.content.decode()
    )
    assert not CaseFileDocument.objects.exists()


def test_a_document_is_downloaded_through_the_checked_view(client_for, officer, document):
    response = client_for(officer).get(f"/dossiers/pieces/{document.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF


def test_the_officer_sees_documents_but_gets_no_upload_form(client_for, officer, document, case_file):
    page = unescape(client_for(officer).get(page_of(case_file)).content.decode())
    assert "Compte rendu D1.pdf" in page
    assert 'id="document-upload"' not in page


def test_evaluator_withdraws_a_document(client_for, evaluator, document, case_file):
    response = client_for(evaluator).post(f"/dossiers/pieces/{document.pk}/retirer/", follow=True)
    assert "La pièce est retirée du dossier." in unescape(response.content.decode())
    assert not CaseFileDocument.objects.exists()


def test_outsiders_get_404_on_every_document_url(
    client_for, document, case_file, evaluator_of_other_organisation, officer_of_other_region, jury_member
):
    upload = SimpleUploadedFile("autre.pdf", PDF + b"x", content_type="application/pdf")
    for outsider in (evaluator_of_other_organisation, officer_of_other_region, jury_member):
        client = client_for(outsider)
        assert client.get(f"/dossiers/pieces/{document.pk}/").status_code == 404
        assert client.post(f"/dossiers/pieces/{document.pk}/retirer/").status_code == 404
        assert (
            client.post(
                f"/dossiers/{case_file.pk}/pieces/", {"category": "other", "file": upload}
            ).status_code
            == 404
        )
    assert CaseFileDocument.objects.count() == 1


def test_documents_are_not_served_from_a_public_media_url(client_for, officer, document):
    assert client_for(officer).get(f"/media/{document.file.name}").status_code == 404


def test_a_document_missing_from_storage_is_not_found(client_for, officer, document):
    document.file.storage.delete(document.file.name)
    assert client_for(officer).get(f"/dossiers/pieces/{document.pk}/").status_code == 404
