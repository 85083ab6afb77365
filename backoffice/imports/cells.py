"""Reading one cell of an imported row: each function returns the clean value or raises `CellError`."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from casefiles.rules.identity import validate_person_name
from casefiles.rules.vocabulary import label_key


class CellError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


_PHONE = re.compile(r"^\+?[\d .-]{6,20}$")
_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ][\d:.]+)?$")


def refuse_formula(value: str) -> None:
    """A formula is never data: the sender must paste the values."""
    if value.startswith("="):
        raise CellError("formule refusée : collez les valeurs (collage spécial) à la place de la formule.")


def text(value: str, *, required: bool, max_length: int) -> str:
    if not value:
        if required:
            raise CellError("obligatoire.")
        return ""
    if len(value) > max_length:
        raise CellError(f"{max_length} caractères au plus ({len(value)} saisis).")
    return value


def person_name(value: str) -> str:
    """A name, checked by the one validator of names (a "?" left by a Windows-1252 export is refused)."""
    value = " ".join(text(value, required=True, max_length=100).split())
    try:
        validate_person_name(value)
    except ValidationError as error:
        raise CellError(error.messages[0]) from error
    return value


def date(value: str, *, required: bool = True) -> dt.date | None:
    """dd/mm/yyyy (French spreadsheets) or yyyy-mm-dd (ISO, and XLSX dates)."""
    if not value:
        if required:
            raise CellError("obligatoire.")
        return None
    match = _DMY.match(value)
    try:
        if match:
            day, month, year = (int(part) for part in match.groups())
            return dt.date(year, month, day)
        match = _ISO.match(value)
        if match:
            year, month, day = (int(part) for part in match.groups())
            return dt.date(year, month, day)
    except ValueError as error:
        raise CellError(f"« {value[:20]} » n'est pas une date qui existe.") from error
    raise CellError(f"« {value[:20]} » n'est pas une date au format jj/mm/aaaa.")


def choice(
    value: str,
    options: Mapping[str, str],
    *,
    required: bool,
    label: str,
    shown: Iterable[str] | None = None,
) -> str:
    """One of the contract's codes (or an alias of one), whatever the case and accents; returns the model's
    value. `shown`: what the error lists as accepted, when the options hold aliases too."""
    if not value:
        if required:
            raise CellError("obligatoire.")
        return ""
    key = plain(value)
    if key not in options:
        allowed = ", ".join(shown if shown is not None else sorted({k for k in options if k}))
        raise CellError(f"« {value[:30]} » n'est pas {label} reconnu ({allowed}).")
    return options[key]


# Lower case, no accents, underscores for spaces, hyphens and apostrophes: how codes and labels are compared
# (the same reduction as the aliases of referrers and fundings).
plain = label_key


def email(value: str) -> str:
    if not value:
        return ""
    value = value.strip()
    if len(value) > 254:
        raise CellError("adresse e-mail trop longue.")
    try:
        validate_email(value)
    except ValidationError as error:
        raise CellError(f"« {value[:40]} » n'est pas une adresse e-mail valide.") from error
    return value.lower()


def phone(value: str) -> str:
    if not value:
        return ""
    if not _PHONE.match(value):
        raise CellError(f"« {value[:25]} » n'est pas un numéro de téléphone.")
    digits = re.sub(r"[ .-]", "", value)
    if len(digits) == 9 and digits[0] in "123456789":  # a spreadsheet dropped the leading zero
        digits = "0" + digits
    return digits[:20]


def postcode(value: str) -> str:
    # isascii(): str.isdigit() also accepts "²" or "٣", which no department code is built from.
    if len(value) == 4 and value.isascii() and value.isdigit():  # the leading zero dropped (01000 → 1000)
        value = "0" + value
    if not (len(value) == 5 and value.isascii() and value.isdigit()):
        raise CellError(f"« {value[:10]} » n'est pas un code postal (5 chiffres).")
    return value


def siret(value: str) -> str:
    digits = value.replace(" ", "").replace("\u00a0", "")
    if not digits:
        raise CellError("obligatoire.")
    if not (len(digits) == 14 and digits.isdigit()):
        raise CellError(f"« {value[:20]} » n'est pas un SIRET (14 chiffres).")
    return digits
