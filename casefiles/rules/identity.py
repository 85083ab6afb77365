"""Who a person is, for the whole back-office: the one rule that says two records are the same person, and the
one check of a name as typed. Pure functions: the models, the services, the forms and the imports use them.

Two records are the same person when their last names, first names and birth dates are equal once the names
are normalised: case, accents, hyphens, apostrophes, dots and spaces do not count ("Le Goff" = "LEGOFF",
"Jean-Noël" = "jean noel"). A difference that survives the normalisation is another person, or a correction
of identity, which only the rectification makes (casefiles/services/privacy.py)."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from django.core.exceptions import ValidationError

# Letters NFKD does not split into a base letter and an accent.
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d", "ı": "i"})
_NAME = re.compile(r"^[^\W\d_](?:[^\W\d_]|[ '’.-])*$")
# A character a Windows-1252 export could not write comes out as "?" (or U+FFFD once read as UTF-8).
_LOST = ("?", "\ufffd")
GARBLED_HINT = "enregistrez le fichier en CSV UTF-8"


def normalised_name(value: str) -> str:
    """The name as the identity rule compares it: lower case, no accents, letters only."""
    text = unicodedata.normalize("NFKD", value.casefold().translate(_LIGATURES))
    return "".join(char for char in text if char.isalnum() and not unicodedata.combining(char))


def identity_key(last_name: str, first_name: str, birth_date: dt.date) -> str:
    """The key two records of one person share (stored on `Candidate.identity_key`, indexed)."""
    return f"{normalised_name(last_name)}|{normalised_name(first_name)}|{birth_date.isoformat()}"


def same_identity(first: tuple[str, str, dt.date | None], second: tuple[str, str, dt.date | None]) -> bool:
    """Whether (last name, first name, birth date) twice designate one person."""
    return first[2] == second[2] and all(
        normalised_name(a) == normalised_name(b) for a, b in zip(first[:2], second[:2], strict=True)
    )


def validate_person_name(value: str) -> None:
    """A last or first name: letters, spaces, hyphens, apostrophes; one whose letters an export lost is
    refused with the way out (every path that reads a name: forms, imports, rectification, the model)."""
    if any(mark in value for mark in _LOST):
        raise ValidationError(
            f"« {value[:40]} » : des lettres ont été perdues à l'export (« ? » à leur place) ; "
            f"{GARBLED_HINT} (ou retapez le nom avec ses accents).",
            code="garbled",
        )
    if not _NAME.match(" ".join(value.split())):
        raise ValidationError(
            f"« {value[:40]} » n'est pas un nom valide (lettres, espaces, tirets, apostrophes).",
            code="invalid",
        )


def born(sex: str) -> str:
    """ "née" / "né" / "né·e", as the messages about a person say it."""
    return {"F": "née", "M": "né"}.get(sex, "né·e")
