"""The public verification page against any text in its URL or its form: 200 or 404, never another
certificate's holder, and a real number found however it is typed."""

from __future__ import annotations

from html import unescape
from urllib.parse import quote

import pytest
from django.core.cache import cache
from django.test import Client
from hypothesis import assume, example, given
from hypothesis import strategies as st

from tests.backoffice.test_views__certificates import awarded, issued  # noqa: F401

pytestmark = pytest.mark.django_db

OUTCOMES = ("Certificat valide", "Certificat retiré", "Numéro inconnu", "Numéro mal formé")
HOLDERS = ("BERNARD", "MOREAU")  # the two holders of the `issued` certificates
ANY_TEXT = st.text(st.characters(codec="utf-8"), max_size=60)
NUMBER_LIKE = st.from_regex(r"[A-Za-z]{2,10}-\d{4}-[A-Za-z]{2,5}-\d{6}", fullmatch=True)
BLANKS = st.text(st.sampled_from(" \t\n\u00a0\u3000"), max_size=3)


def lookup(number: str, *, in_path: bool):
    """The page as the QR code (path) or the form (query string) opens it, with a fresh rate limit."""
    cache.clear()
    client = Client(REMOTE_ADDR="198.51.100.7")
    if in_path:
        response = client.get(f"/verifier/{quote(number, safe='')}/")
    else:
        response = client.get("/verifier/", {"numero": number})
    return response, unescape(response.content.decode())


def is_number_of(typed: str, certificates) -> bool:
    return typed.strip().upper() in {c.number for c in certificates}


@given(ANY_TEXT | NUMBER_LIKE, st.booleans())
@example("", True)
@example("/", True)
@example("..", True)
@example("\x00", False)
@example("CLEA-2026-IDF-000001\n", True)
@example("clea-٢٠٢٦-idf-٠٠٠٠٠١", False)  # \d matches other scripts' digits: looked up, not found
@example("x" * 5000, False)
def test_any_text_answers_200_or_404_and_never_shows_a_holder(issued, typed, in_path):  # noqa: F811
    assume(not is_number_of(typed, issued))

    response, text = lookup(typed, in_path=in_path)

    assert response.status_code in (200, 404)
    assert not any(holder in text for holder in HOLDERS)
    assert "Certificat valide" not in text and "Certificat retiré" not in text
    if response.status_code == 200 and typed.strip():
        assert any(outcome in text for outcome in OUTCOMES)


@given(st.data(), BLANKS, BLANKS, st.booleans())
def test_a_real_number_is_found_whatever_its_case_and_surrounding_blanks(
    issued,  # noqa: F811
    data,
    before,
    after,
    in_path,
):
    chosen = data.draw(st.sampled_from(list(issued)), label="certificate")
    upper = data.draw(st.lists(st.booleans(), min_size=len(chosen.number), max_size=len(chosen.number)))
    typed = (
        before + "".join(c if up else c.lower() for c, up in zip(chosen.number, upper, strict=True)) + after
    )

    response, text = lookup(typed, in_path=in_path)

    assert response.status_code == 200
    assert "Certificat valide" in text and chosen.holder_last_name.upper() in text
    other = next(c for c in issued if c.pk != chosen.pk)
    assert other.holder_last_name.upper() not in text
