"""Validators of French identifiers: SIREN, SIRET (Luhn), postcodes against departments."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

# La Poste's establishments share one SIREN and use another checksum (sum of digits divisible by 5),
# except its head office, which follows Luhn like everyone else.
LA_POSTE_SIREN = "356000000"
LA_POSTE_HEAD_OFFICE_SIRET = "35600000000048"


def luhn_is_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def luhn_check_digit(digits: str) -> str:
    for candidate in "0123456789":
        if luhn_is_valid(digits + candidate):
            return candidate
    raise AssertionError("unreachable")


def normalise_number(value: str) -> str:
    """Drop the spaces and dots people type inside SIREN/SIRET numbers."""
    return re.sub(r"[\s.\u00a0]", "", value or "")


def validate_siren(value: str) -> None:
    number = normalise_number(value)
    if not re.fullmatch(r"[0-9]{9}", number):
        raise ValidationError("Le SIREN doit comporter exactement 9 chiffres.", code="siren_format")
    if not luhn_is_valid(number):
        raise ValidationError(
            "Le SIREN %(value)s est invalide (clé de contrôle incorrecte).",
            code="siren_checksum",
            params={"value": number},
        )


def validate_siret(value: str) -> None:
    number = normalise_number(value)
    if not re.fullmatch(r"[0-9]{14}", number):
        raise ValidationError("Le SIRET doit comporter exactement 14 chiffres.", code="siret_format")
    if number.startswith(LA_POSTE_SIREN) and number != LA_POSTE_HEAD_OFFICE_SIRET:
        valid = sum(int(c) for c in number) % 5 == 0
    else:
        valid = luhn_is_valid(number)
    if not valid:
        raise ValidationError(
            "Le SIRET %(value)s est invalide (clé de contrôle incorrecte).",
            code="siret_checksum",
            params={"value": number},
        )


def validate_nda(value: str) -> None:
    """Training declaration number (numéro de déclaration d'activité): 11 digits."""
    if not re.fullmatch(r"[0-9]{11}", normalise_number(value)):
        raise ValidationError(
            "Le numéro de déclaration d'activité doit comporter 11 chiffres.", code="nda_format"
        )


def validate_postcode(value: str) -> None:
    if not re.fullmatch(r"[0-9]{5}", value or ""):
        raise ValidationError("Le code postal doit comporter 5 chiffres.", code="postcode_format")


def department_of_postcode(postcode: str) -> str:
    """The INSEE department code a French postcode belongs to (2A/2B for Corsica)."""
    if postcode.startswith("97"):
        return postcode[:3]
    if postcode.startswith("20"):
        tail = postcode[2:5]
        return "2A" if tail.isascii() and tail.isdigit() and int(tail) < 200 else "2B"
    return postcode[:2]
