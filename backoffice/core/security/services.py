"""Enrolling and removing a person's second factor (TOTP), each written to the audit trail."""

from __future__ import annotations

from binascii import unhexlify
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from backoffice.core.accounts.types import Actor
from backoffice.core.audit.events import record

DEVICE_NAME = "Application d'authentification"
WRONG_CODE = "Code incorrect ou expiré : saisissez le code affiché en ce moment par votre application."


def enrol_totp_device(user: Any, *, key: str, token: str, actor: Actor) -> TOTPDevice:
    """Confirm the secret `key` shown to `user` with a current `token`, and make it their second factor."""
    totp = TOTP(unhexlify(key), step=30, t0=0, digits=6, drift=0)
    if not totp.verify(int(token), tolerance=1):
        raise ValidationError(WRONG_CODE)
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        # last_t keeps this very code from being replayed at the next verification.
        device = TOTPDevice.objects.create(
            user=user, name=DEVICE_NAME, key=key, confirmed=True, last_t=totp.t()
        )
        record(
            "user.two_factor_enabled",
            actor=actor,
            subject=user,
            summary="Double authentification activée (application TOTP).",
        )
    return device


def remove_totp_devices(user: Any, *, token: str, actor: Actor) -> None:
    """Turn off `user`'s second factor, proven by a current code of their device."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None or not device.verify_token(token):
        raise ValidationError(WRONG_CODE)
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        record(
            "user.two_factor_disabled",
            actor=actor,
            subject=user,
            summary="Double authentification désactivée.",
        )


def record_password_reset(user: Any) -> None:
    """The person redefined their password through the emailed link."""
    record(
        "user.password_reset",
        actor=user,
        subject=user,
        summary="Mot de passe redéfini par le lien envoyé par courriel.",
    )


def record_password_change(user: Any) -> None:
    """The person changed their own password."""
    record("user.password_changed", actor=user, subject=user, summary="Mot de passe changé par la personne.")
