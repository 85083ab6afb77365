"""Checking a posted questionnaire against its version: known choices only, required answers, the scale's
range, conditional questions, a bounded comment without HTML. Pure functions, no database."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.html import strip_tags

COMMENT_MAX = 2000


def values_of(data: Mapping[str, Any], key: str) -> list[str]:
    """The posted values of one question (a QueryDict's list, or a plain value)."""
    getlist = getattr(data, "getlist", None)
    raw = getlist(key) if getlist is not None else data.get(key, [])
    raw = raw if isinstance(raw, list | tuple) else [raw]
    return [str(value) for value in raw if value is not None and str(value) != ""]


def shown(question: dict[str, Any], answers: dict[str, Any]) -> bool:
    """A conditional question counts only when its condition's answer is one of the listed values."""
    condition = question.get("show_if")
    if not condition:
        return True
    given = answers.get(condition["key"])
    given = given if isinstance(given, list) else [given]
    return any(value in condition["values"] for value in given)


def clean_answers(questions: list[dict[str, Any]], data: Mapping[str, Any]) -> dict[str, Any]:
    """The answers to store, or a ValidationError keyed by question with French messages."""
    answers: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for question in questions:  # in order: a condition refers to an earlier question
        if not shown(question, answers):
            continue
        try:
            value = _clean_one(question, values_of(data, question["key"]))
        except ValidationError as error:
            errors[question["key"]] = error.messages[0]
            continue
        if value not in (None, "", []):
            answers[question["key"]] = value
        elif question.get("required"):
            errors[question["key"]] = "Merci de répondre à cette question."
    if errors:
        raise ValidationError(errors)
    return answers


def _clean_one(question: dict[str, Any], values: list[str]) -> Any:
    kind = question["kind"]
    if kind == "text":
        return _clean_text(question, values)
    allowed = {choice["value"] for choice in question.get("choices", [])}
    if any(value not in allowed for value in values):
        raise ValidationError("Cette réponse ne fait pas partie des choix proposés.")
    if kind == "multi":
        return sorted(set(values))
    if len(values) > 1:
        raise ValidationError("Une seule réponse est possible.")
    return values[0] if values else None


def _clean_text(question: dict[str, Any], values: list[str]) -> str:
    limit = int(question.get("max_length", COMMENT_MAX))
    text = " ".join(values)
    if len(text) > limit:  # before cleaning: 100 kB of markup is refused, not trimmed
        raise ValidationError(
            f"Votre texte ne doit pas dépasser {limit:,} caractères.".replace(",", "\u202f")
        )
    # No markup, no control character (a NUL would not even be stored): line breaks and tabs stay.
    cleaned = "".join(c for c in strip_tags(text) if c in "\n\t" or unicodedata.category(c) != "Cc")
    return cleaned.strip()
