"""What the audit trail says of an act, as plain text: who entered it for which organisation, and what an
update changed, field by field."""

from __future__ import annotations

import datetime as dt
from typing import Any

from backoffice.core.accounts.types import Actor
from casefiles.models import Candidate, CaseFile

FILE_FIELDS = ("referrer", "funding", "funding_note", "opened_on")  # what an import may update on a file


def entered_by(actor: Actor, organisation: str) -> str:
    """What the trail adds when Certif'Pro staff enter an act for an organisation (imports by staff)."""
    if not organisation:
        return ""
    who = actor.get_username() if actor is not None else "le système"
    return f" Saisi par {who} pour le compte de {organisation}."


def on_behalf_data(organisation: str) -> dict[str, str]:
    """The event's data naming the organisation an act was entered for, when it was."""
    return {"on_behalf_of": organisation} if organisation else {}


def changes_text(changes: dict[str, tuple[Any, Any]]) -> str:
    """ "prescripteur : France Travail → Mission locale ; e-mail : (vide) → a@b.fr", fields in model order."""
    parts = []
    for name in [*Candidate.FIELDS, *FILE_FIELDS]:
        if name in changes:
            model = Candidate if name in Candidate.FIELDS else CaseFile
            model_field = model._meta.get_field(name)
            old, new = (_label(model_field, value) for value in changes[name])
            parts.append(f"{getattr(model_field, 'verbose_name', name)} : {old} → {new}")
    return " ; ".join(parts)


def _label(model_field: Any, value: Any) -> str:
    if value in ("", None):
        return "(vide)"
    if isinstance(value, dt.date):
        return f"{value:%d/%m/%Y}"
    return str(dict(model_field.flatchoices).get(value, value))
