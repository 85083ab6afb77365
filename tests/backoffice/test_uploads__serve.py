"""Serving a stored file: its bytes under the given name and type, never sniffed; 404 once storage lost it."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models.fields.files import FieldFile
from django.http import Http404

from backoffice.core.uploads import serve_stored_file

PDF = b"%PDF-1.4\n% attestation\n%%EOF\n"


@pytest.fixture
def stored(tmp_path) -> FieldFile:  # type: ignore[no-untyped-def]
    storage = FileSystemStorage(location=tmp_path / "stockage")
    name = storage.save("3f9a2c", ContentFile(PDF))
    return FieldFile(None, models.FileField(storage=storage), name)


# Closing a response sends `request_finished`, on which Django closes the database connections: the
# tests need database access, else their outcome depends on what an earlier test left open.
pytestmark = pytest.mark.django_db


def body_of(response) -> bytes:  # type: ignore[no-untyped-def]
    try:
        return b"".join(response.streaming_content)
    finally:
        response.close()


def test_it_sends_the_stored_bytes_inline_under_the_given_name_and_type(stored):
    response = serve_stored_file(stored, filename="CLEA-2024-0001.pdf", content_type="application/pdf")

    assert response.status_code == 200
    assert body_of(response) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="CLEA-2024-0001.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"


def test_it_sends_an_attachment_when_asked(stored):
    response = serve_stored_file(
        stored, filename="dossiers-2024-05-01.csv", content_type="text/csv; charset=utf-8", as_attachment=True
    )

    assert response["Content-Disposition"] == 'attachment; filename="dossiers-2024-05-01.csv"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert body_of(response) == PDF


def test_a_file_missing_from_storage_is_a_404_with_the_callers_french_message(stored):
    stored.storage.delete(stored.name)

    with pytest.raises(Http404, match=r"^Le fichier de cette pièce est introuvable\.$"):
        serve_stored_file(
            stored,
            filename="piece.pdf",
            content_type="application/pdf",
            missing="Le fichier de cette pièce est introuvable.",
        )


def test_a_file_missing_from_storage_has_a_default_french_message(stored):
    stored.storage.delete(stored.name)

    with pytest.raises(Http404, match=r"^Le fichier est introuvable\.$"):
        serve_stored_file(stored, filename="piece.pdf", content_type="application/pdf")
