"""Documents joined to a case file: PDF or images checked by content, size-limited, audited."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from backoffice.core.audit.events import timeline
from casefiles.models import CaseFileDocument
from casefiles.services import abandon_case_file, attach_document, remove_document

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def upload(content: bytes = PDF, name: str = "compte-rendu.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def stored_files(media_root) -> list:
    return [p for p in media_root.rglob("*") if p.is_file()] if media_root.exists() else []


def test_evaluator_joins_a_pdf_and_the_timeline_records_it(case_file, evaluator, media_root):
    document = attach_document(case_file, upload=upload(), category="positioning_report", actor=evaluator)

    assert document.content_type == "application/pdf"
    assert document.size == len(PDF)
    assert document.original_name == "compte-rendu.pdf"
    assert document.file.read() == PDF
    assert "compte-rendu" not in document.file.name  # never the uploaded name on disk
    event = list(timeline(case_file))[-1]
    assert event.verb == "casefile.document_added" and event.actor == evaluator
    assert len(stored_files(media_root)) == 1


def test_an_image_is_accepted_and_typed_by_its_content(case_file, evaluator):
    document = attach_document(case_file, upload=upload(PNG, "scan.pdf"), category="other", actor=evaluator)
    assert document.content_type == "image/png"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"MZ\x90\x00 not a pdf at all", "Seuls les documents PDF et les images PNG ou JPEG"),
        (b"<html><script>alert(1)</script></html>", "Seuls les documents PDF et les images PNG ou JPEG"),
        (b"", "Le fichier est vide"),
    ],
)
def test_a_file_of_another_type_or_empty_is_refused_and_nothing_is_kept(
    case_file, evaluator, media_root, content, message
):
    with pytest.raises(ValidationError, match=message):
        attach_document(case_file, upload=upload(content), category="other", actor=evaluator)
    assert not CaseFileDocument.objects.exists()
    assert stored_files(media_root) == []


def test_a_file_over_the_size_limit_is_refused(case_file, evaluator, settings):
    settings.CASEFILE_DOCUMENT_MAX_BYTES = 1024
    with pytest.raises(ValidationError, match="dépasse la taille maximale"):
        attach_document(case_file, upload=upload(PDF + b"0" * 2000), category="other", actor=evaluator)
    assert not CaseFileDocument.objects.exists()


def test_the_same_document_twice_is_refused(case_file, evaluator):
    attach_document(case_file, upload=upload(), category="other", actor=evaluator)
    with pytest.raises(ValidationError, match="déjà joint"):
        attach_document(case_file, upload=upload(name="copie.pdf"), category="other", actor=evaluator)
    assert CaseFileDocument.objects.count() == 1


def test_an_unknown_category_is_refused(case_file, evaluator):
    with pytest.raises(ValidationError, match="catégorie"):
        attach_document(case_file, upload=upload(), category="passport", actor=evaluator)


@pytest.mark.parametrize("who", ["evaluator_of_other_organisation", "officer", "jury_member"])
def test_only_the_files_evaluation_organisation_joins_documents(request, case_file, who):
    with pytest.raises(PermissionDenied):
        attach_document(case_file, upload=upload(), category="other", actor=request.getfixturevalue(who))
    assert not CaseFileDocument.objects.exists()


def test_a_closed_file_takes_no_more_documents(case_file, evaluator):
    abandon_case_file(case_file, reason="Déménagement", actor=evaluator)
    with pytest.raises(ValidationError, match="n'est plus possible"):
        attach_document(case_file, upload=upload(), category="other", actor=evaluator)


def test_withdrawing_a_document_deletes_it_after_commit_and_keeps_the_trace(
    case_file, evaluator, media_root, django_capture_on_commit_callbacks
):
    document = attach_document(case_file, upload=upload(), category="other", actor=evaluator)
    with django_capture_on_commit_callbacks(execute=True):
        remove_document(document, actor=evaluator)

    assert not CaseFileDocument.objects.exists()
    assert stored_files(media_root) == []
    assert list(timeline(case_file))[-1].verb == "casefile.document_removed"


def test_staff_of_another_organisation_cannot_withdraw_a_document(
    case_file, evaluator, evaluator_of_other_organisation
):
    document = attach_document(case_file, upload=upload(), category="other", actor=evaluator)
    with pytest.raises(PermissionDenied):
        remove_document(document, actor=evaluator_of_other_organisation)
    assert CaseFileDocument.objects.filter(pk=document.pk).exists()


def test_a_document_withdrawn_twice_is_told_the_second_time(case_file, evaluator):
    document = attach_document(case_file, upload=upload(), category="other", actor=evaluator)
    stale = CaseFileDocument.objects.get(pk=document.pk)
    remove_document(document, actor=evaluator)
    with pytest.raises(ValidationError, match="déjà été retirée"):
        remove_document(stale, actor=evaluator)
    assert [e.verb for e in timeline(case_file)].count("casefile.document_removed") == 1
