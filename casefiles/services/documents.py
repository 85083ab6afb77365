"""Documents joined to a case file: PDF or images, checked by content, size-limited, audited."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from backoffice.core.accounts.types import Actor
from backoffice.core.audit.events import record
from backoffice.core.uploads import read_checked_upload, store_document

from ..events import CaseFileEvent
from ..models import OPEN_STATES, CaseFile, CaseFileDocument, DocumentCategory
from .access import ensure_evaluator, lock_in_state


@transaction.atomic
def attach_document(case_file: CaseFile, *, upload: Any, category: str, actor: Actor) -> CaseFileDocument:
    """Join a PDF or image to an open file; refused when too large, of another type or already joined."""
    locked = lock_in_state(case_file, *OPEN_STATES)
    _ensure_evaluator_staff(actor, locked, what="ajouter une pièce")
    content = _read_checked(upload, category)
    document = CaseFileDocument(case_file=locked, category=category)
    store_document(document, content, upload=upload, actor=actor, siblings=locked.documents.all())
    _record_added(document, actor)
    return document


@transaction.atomic
def remove_document(document: CaseFileDocument, *, actor: Actor) -> None:
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


def _ensure_evaluator_staff(actor: Actor, case_file: CaseFile, *, what: str) -> None:
    if actor is None:
        raise PermissionDenied(f"Impossible d'{what} sans utilisateur identifié.")
    ensure_evaluator(
        actor, case_file.evaluation_site, case_file.certification, timezone.localdate(), what=what
    )


def _read_checked(upload: Any, category: str) -> bytes:
    if category not in DocumentCategory.values:
        raise ValidationError("Choisissez la catégorie de la pièce.")
    return read_checked_upload(upload, limit=settings.CASEFILE_DOCUMENT_MAX_BYTES)


def _record_added(document: CaseFileDocument, actor: Actor) -> None:
    record(
        CaseFileEvent.DOCUMENT_ADDED,
        actor=actor,
        subject=document.case_file,
        summary=f"Pièce ajoutée : {document} ({filesizeformat(document.size)}).",
        data={"document": document.pk, "category": document.category, "sha256": document.sha256},
    )
