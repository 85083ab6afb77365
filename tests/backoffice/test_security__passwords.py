"""Passwords: at least 12 characters, not common, not all digits, not like the person's name; in French."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from backoffice.core.audit.models import AuditEvent
from tests.factories import UserFactory


def messages_for(password: str, user=None) -> list[str]:  # type: ignore[no-untyped-def]
    try:
        validate_password(password, user)
    except ValidationError as error:
        return list(error.messages)
    return []


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Court-1!", "Ce mot de passe est trop court. Il doit contenir au minimum 12 caractères."),
        ("password12345", "Ce mot de passe est trop courant."),
        ("738492016583", "Ce mot de passe est entièrement numérique."),
    ],
)
def test_a_weak_password_is_refused_with_a_french_message(db, password, message):
    assert message in messages_for(password)


@pytest.mark.parametrize("password", ["motdepasse123", "Azerty2024!!!", "Soleil-1234567", "CertifPro2026!"])
def test_a_common_french_word_with_digits_and_symbols_is_refused(db, password):
    assert any("repose sur un mot trop courant" in message for message in messages_for(password))


def test_a_password_like_the_persons_name_is_refused(db):
    person = UserFactory.build(username="marie.dupontel", first_name="Marie", last_name="Dupontel")

    assert any("trop semblable" in message for message in messages_for("marie.dupontel1", person))


def test_a_long_uncommon_passphrase_is_accepted(db):
    assert messages_for("cheval-agrafe-Batterie-correcte") == []


def test_the_minimum_length_comes_from_the_settings(settings):
    minimum = next(
        validator["OPTIONS"]["min_length"]
        for validator in settings.AUTH_PASSWORD_VALIDATORS
        if validator["NAME"].endswith("MinimumLengthValidator")
    )
    assert minimum == settings.PASSWORD_MIN_LENGTH == 12


def test_changing_ones_password_applies_the_rules_and_is_audited(officer, client_for):
    client = client_for(officer)
    url = reverse("password_change")

    refused = client.post(
        url,
        {"old_password": "motdepasse-de-test-42", "new_password1": "court", "new_password2": "court"},
    )
    assert refused.status_code == 200
    assert "trop court" in refused.content.decode()

    accepted = client.post(
        url,
        {
            "old_password": "motdepasse-de-test-42",
            "new_password1": "cheval-agrafe-Batterie-correcte",
            "new_password2": "cheval-agrafe-Batterie-correcte",
        },
    )
    assert accepted.status_code == 302
    officer.refresh_from_db()
    assert officer.check_password("cheval-agrafe-Batterie-correcte")
    assert AuditEvent.objects.filter(verb="user.password_changed", subject_id=str(officer.pk)).exists()
