"""The PDFs Certif'Pro generates and stores (a certificate, a jury's minutes, a decision letter): each app
says which of its file fields hold one and how it is described (`seal_files_of`); a stored PDF rendered
before signing was configured is sealed the first time it is served (`sealed_file`), once."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.db import models, transaction
from django.db.models.fields.files import FieldFile

from .keys import signing_configured

# A signed PDF carries a /ByteRange: a file without one is known unsigned without parsing it.
SIGNATURE_MARK = b"/ByteRange"


@dataclass(frozen=True)
class Seal:
    """What a signed document records of itself (`SignedDocument`): its kind, the key of what it is about,
    and its French label."""

    kind: str
    reference: str
    label: str

    def sign(self, data: bytes) -> bytes:
        """The PDF signed under this description (unchanged when signing is not configured)."""
        from .pdf import sign_pdf  # pyHanko: loaded only when a document is signed

        return sign_pdf(data, kind=self.kind, reference=self.reference, label=self.label)


Describer = Callable[[Any], "Seal | None"]
_describers: dict[tuple[str, str], Describer] = {}


def seal_files_of(model: type[models.Model], field: str, describe: Describer) -> None:
    """Declare a file field holding PDFs we generate; `describe(instance)` gives their seal, or None when an
    unsigned one must stay so (a withdrawn certificate is not sealed after its withdrawal)."""
    _describers[(model._meta.label_lower, field)] = describe


def sealed_file(stored: FieldFile) -> FieldFile:
    """The file to serve: `stored` itself, or, for a declared PDF stored unsigned while signing is now
    configured, the same document signed, which replaces it (under the row's lock: two requests sign once)."""
    describe = _describer_of(stored)
    if describe is None or not stored or not signing_configured() or _carries_signature(stored):
        return stored
    with transaction.atomic():
        instance = type(stored.instance)._default_manager.select_for_update().get(pk=stored.instance.pk)
        current: FieldFile = getattr(instance, stored.field.name)
        seal = describe(instance)
        if not current or seal is None or _carries_signature(current):
            return current  # sealed by the request that held the lock before this one
        try:
            signed = seal.sign(_read(current))
        except FileNotFoundError:
            return current  # lost: the caller says so
        replaced = str(current.name)
        current.save(os.path.basename(replaced), ContentFile(signed), save=False)
        instance.save(update_fields=[stored.field.name])
        # Deleted once the new name is committed: a request still holding the old name finds it missing,
        # comes here, and waits for this lock to read the new one.
        transaction.on_commit(lambda: current.storage.delete(replaced))
    return current


def _describer_of(stored: FieldFile) -> Describer | None:
    meta = getattr(stored.instance, "_meta", None)  # a file of no model instance is no document of ours
    return None if meta is None else _describers.get((meta.label_lower, stored.field.name))


def _carries_signature(stored: FieldFile) -> bool:
    """Whether the stored file is signed; a missing file counts as not (the lock then reads the row anew)."""
    from .pdf import is_signed

    try:
        data = _read(stored)
    except FileNotFoundError:
        return False
    return SIGNATURE_MARK in data and is_signed(data)


def _read(stored: FieldFile) -> bytes:
    # Through the storage, leaving the field's own file closed for the response to open.
    with stored.storage.open(str(stored.name), "rb") as handle:
        return bytes(handle.read())
