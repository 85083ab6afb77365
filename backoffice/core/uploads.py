"""Checking uploaded documents (PDF or images only, read from their first bytes, within a size limit),
and serving stored files back once a selector has checked who may see them."""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models
from django.db.models import QuerySet
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from backoffice.core.accounts.types import Actor
from backoffice.core.signing.stored import sealed_file

# The type is read from the first bytes, never from the name or the browser's claim.
SIGNATURES = {
    b"%PDF-": "application/pdf",
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
}


def sniff_content_type(head: bytes) -> str | None:
    """The document's type from its first bytes: PDF, PNG or JPEG, else None."""
    return next((kind for magic, kind in SIGNATURES.items() if head.startswith(magic)), None)


def read_checked_upload(upload: Any, *, limit: int) -> bytes:
    """The upload's bytes, refused (French message) when missing, empty, too large, or not a PDF or image."""
    if upload is None:
        raise ValidationError("Choisissez un fichier.")
    too_large = f"Le fichier dépasse la taille maximale ({filesizeformat(limit)})."
    if (getattr(upload, "size", 0) or 0) > limit:
        raise ValidationError(too_large)
    content = upload.read(limit + 1)
    if not content:
        raise ValidationError("Le fichier est vide.")
    if len(content) > limit:
        raise ValidationError(too_large)
    if sniff_content_type(content[:8]) is None:
        raise ValidationError("Seuls les documents PDF et les images PNG ou JPEG sont acceptés.")
    return bytes(content)


def clean_file_name(name: str) -> str:
    """The uploaded name without any path and unprintable characters (shown, never used on disk)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return "".join(ch for ch in base if ch.isprintable())[:200] or "document"


class StoredDocument(models.Model):
    """What a joined document records besides its file (stored by content hash, never by uploaded name)."""

    original_name = models.CharField("nom du fichier", max_length=200)
    content_type = models.CharField("type", max_length=50)
    size = models.PositiveIntegerField("taille (octets)")
    sha256 = models.CharField("empreinte SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="déposé par", on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField("déposé le", default=timezone.now)

    class Meta:
        abstract = True


def store_document(
    document: Any, content: bytes, *, upload: Any, actor: Actor, siblings: QuerySet[Any]
) -> Any:
    """Fill and save a new document (a checked upload's bytes); the same content twice is refused."""
    digest = hashlib.sha256(content).hexdigest()
    if siblings.filter(sha256=digest).exists():
        raise ValidationError("Ce document est déjà joint au dossier.")
    document.original_name = clean_file_name(getattr(upload, "name", "") or "document")
    document.content_type = sniff_content_type(content[:8]) or ""
    document.size, document.sha256, document.uploaded_by = len(content), digest, actor
    document.file.save(digest, ContentFile(content), save=False)
    stored = document.file.name or ""
    try:  # the row and the stored file go together: a failed insert leaves no orphan on disk
        document.save()
    except Exception:
        document.file.storage.delete(stored)
        raise
    return document


def serve_stored_file(
    stored: FieldFile,
    *,
    filename: str,
    content_type: str,
    missing: str = "Le fichier est introuvable.",
    as_attachment: bool = False,
) -> FileResponse:
    """The stored file under this name and type, or 404 (`missing`) when there is none or it was lost; the
    caller checked access. A PDF we generated is never served unsigned once signing is configured: one stored
    before is signed now, once (`backoffice.core.signing.stored`)."""
    if not stored:
        raise Http404(missing)
    if content_type == "application/pdf":
        stored = sealed_file(stored)
    try:
        handle = stored.open("rb")
    except FileNotFoundError as lost:
        raise Http404(missing) from lost
    response = FileResponse(handle, as_attachment=as_attachment, content_type=content_type, filename=filename)
    # The type is ours (read from the content, or a file we produced): a browser must not guess another.
    response["X-Content-Type-Options"] = "nosniff"
    return response
