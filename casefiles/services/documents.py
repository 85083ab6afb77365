"""Documents joined to a case file: PDF or images, checked by content, size-limited, audited."""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from backoffice.audit.events import record

from ..events import CaseFileEvent
from ..models import OPEN_STATES, CaseFile, CaseFileDocument, DocumentCategory
from .access import ensure_evaluator, lock_in_state

# The type is read from the first bytes, never from the name or the browser's claim.
SIGNATURES = {
    b"%PDF-": "application/pdf",
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
}


def sniff_content_type(head: bytes) -> str | None:
    """The document's type from its first bytes: PDF, PNG or JPEG, else None."""
    return next((kind for magic, kind in SIGNATURES.items() if head.startswith(magic)), None)


@transaction.atomic
def attach_document(case_file: CaseFile, *, upload: Any, category: str, actor: Any) -> CaseFileDocument:
    """Join a PDF or image to an open file; refused when too large, of another type or already joined."""
    locked = lock_in_state(case_file, *OPEN_STATES)
    _ensure_evaluator_staff(actor, locked, what="ajouter une pièce")
    content = _read_checked(upload, category)
    digest = hashlib.sha256(content).hexdigest()
    if locked.documents.filter(sha256=digest).exists():
        raise ValidationError("Ce document est déjà joint au dossier.")
    document = CaseFileDocument(
        case_file=locked,
        category=category,
        original_name=_clean_name(getattr(upload, "name", "") or "document"),
        content_type=sniff_content_type(content[:8]) or "",
        size=len(content),
        sha256=digest,
        uploaded_by=actor,
    )
    document.file.save(digest, ContentFile(content), save=False)
    stored = document.file.name or ""
    # The row and the stored file go together: a failed insert must not leave an orphan on disk.
    try:
        document.save()
        _record_added(document, actor)
    except Exception:
        document.file.storage.delete(stored)
        raise
    return document


@transaction.atomic
def remove_document(document: CaseFileDocument, *, actor: Any) -> None:
    """Withdraw a document joined by mistake while the file is open; the timeline keeps the trace."""
    locked = lock_in_state(document.case_file, *OPEN_STATES)
    _ensure_evaluator_staff(actor, locked, what="retirer une pièce")
    document = CaseFileDocument.objects.select_for_update().filter(pk=document.pk).first()  # type: ignore[assignment]
    if document is None:  # two clicks on « Retirer »
        raise ValidationError("Cette pièce a déjà été retirée.")
    storage, name = document.file.storage, document.file.name or ""
    label = str(document)
    document.delete()
    record(
        CaseFileEvent.DOCUMENT_REMOVED,
        actor=actor,
        subject=locked,
        summary=f"Pièce retirée : {label}.",
        data={"sha256": document.sha256},
    )
    transaction.on_commit(lambda: storage.delete(name))


def _ensure_evaluator_staff(actor: Any, case_file: CaseFile, *, what: str) -> None:
    if actor is None:
        raise PermissionDenied(f"Impossible d'{what} sans utilisateur identifié.")
    ensure_evaluator(
        actor, case_file.evaluation_site, case_file.certification, timezone.localdate(), what=what
    )


def _read_checked(upload: Any, category: str) -> bytes:
    limit = settings.CASEFILE_DOCUMENT_MAX_BYTES
    if upload is None:
        raise ValidationError("Choisissez un fichier.")
    if category not in DocumentCategory.values:
        raise ValidationError("Choisissez la catégorie de la pièce.")
    if (getattr(upload, "size", 0) or 0) > limit:
        raise ValidationError(f"Le fichier dépasse la taille maximale ({filesizeformat(limit)}).")
    content = upload.read(limit + 1)
    if not content:
        raise ValidationError("Le fichier est vide.")
    if len(content) > limit:
        raise ValidationError(f"Le fichier dépasse la taille maximale ({filesizeformat(limit)}).")
    if sniff_content_type(content[:8]) is None:
        raise ValidationError("Seuls les documents PDF et les images PNG ou JPEG sont acceptés.")
    return bytes(content)


def _clean_name(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return "".join(ch for ch in base if ch.isprintable())[:200] or "document"


def _record_added(document: CaseFileDocument, actor: Any) -> None:
    record(
        CaseFileEvent.DOCUMENT_ADDED,
        actor=actor,
        subject=document.case_file,
        summary=f"Pièce ajoutée : {document} ({filesizeformat(document.size)}).",
        data={"document": document.pk, "category": document.category, "sha256": document.sha256},
    )
