"""The survey links, derived and never stored (as Django's password-reset tokens).

A link's token is an HMAC-SHA256 keyed from `SECRET_KEY` (`salted_hmac`, one salt per kind of link) over the
invitation's pk, the number of the email (0 for the invitation, then each reminder) and a random nonce kept
on the invitation; the database keeps only the token's SHA-256 (`token_hash`, `opt_out_hash`), for the
lookup. Neither the nonce nor the hash gives the token back without the key, and the outbox row keeps only
the invitation's pk and the email's number: the email's links are computed when it is delivered
(`email_context`, registered with the notifications by `SurveysConfig.ready()`).

- The answer link changes with each reminder (the number is in the HMAC): the previous one stops working.
- The opt-out link is the same in every email of the invitation (no number in the HMAC): it keeps working.
- Rotating the key: the links already issued are found under `SECRET_KEY_FALLBACKS` when the email is
  delivered after the rotation; a link presented is looked up by its hash, whatever the key."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.crypto import salted_hmac

from .models import Invitation

ANSWER_SALT = "backoffice.surveys.tokens.answer"
OPT_OUT_SALT = "backoffice.surveys.tokens.opt_out"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _derive(salt: str, value: str, secret: str | bytes | None) -> str:
    digest = salted_hmac(salt, value, secret=secret, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def answer_token(pk: int, reminder: int, nonce: str, *, secret: str | bytes | None = None) -> str:
    """The token of the answer link of email number `reminder` (0: the invitation)."""
    return _derive(ANSWER_SALT, f"{pk}:{reminder}:{nonce}", secret)


def opt_out_token(pk: int, nonce: str, *, secret: str | bytes | None = None) -> str:
    """The token of the opt-out link, the same in every email of the invitation."""
    return _derive(OPT_OUT_SALT, f"{pk}:{nonce}", secret)


def issue_links(invitation: Invitation) -> None:
    """Set the hashes of the links of the invitation's next email (its `reminders`-th) with the current
    key; the opt-out link's only once, at the first email (caller saves)."""
    invitation.token_hash = hash_token(answer_token(invitation.pk, invitation.reminders, invitation.nonce))
    if not invitation.opt_out_hash:
        invitation.opt_out_hash = hash_token(opt_out_token(invitation.pk, invitation.nonce))


@dataclass(frozen=True)
class Links:
    answer_token: str
    opt_out_token: str

    @property
    def answer_url(self) -> str:
        return _absolute(reverse("surveys:answer", args=[self.answer_token]))

    @property
    def opt_out_url(self) -> str:
        return _absolute(reverse("surveys:opt_out", args=[self.opt_out_token]))


def _absolute(path: str) -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + path


def _keys() -> list[str | bytes]:
    return [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]


def links_for(invitation: Invitation, reminder: int | None = None) -> Links:
    """The links of the invitation's email number `reminder` (default: the latest), derived with the key
    that issued them. An email delivered after a newer one was issued carries the newer answer link (its
    own no longer works)."""
    pk, nonce = invitation.pk, invitation.nonce
    numbers = [invitation.reminders] if reminder is None else [reminder, invitation.reminders]
    answer = _issued([partial(answer_token, pk, n, nonce) for n in numbers], invitation.token_hash)
    opt_out = _issued([partial(opt_out_token, pk, nonce)], invitation.opt_out_hash)
    return Links(
        answer_token=answer or answer_token(pk, numbers[-1], nonce),
        opt_out_token=opt_out or opt_out_token(pk, nonce),
    )


def _issued(derivations: list[Callable[..., str]], stored: str) -> str | None:
    """The first token derived whose hash is the one stored, under the current key or a fallback."""
    for derive in derivations:
        for key in _keys():
            if hash_token(token := derive(secret=key)) == stored:
                return token
    return None


def email_context(context: dict[str, Any]) -> dict[str, Any]:
    """The links of a survey email, computed when it is delivered from the outbox row's invitation pk and
    email number (the row never holds them). An invitation erased since (anonymisation) raises: no email
    without its links."""
    if "survey_invitation" not in context:
        return {}
    invitation = Invitation.objects.get(pk=context["survey_invitation"])
    links = links_for(invitation, int(context.get("reminder") or 0))
    return {"answer_url": links.answer_url, "opt_out_url": links.opt_out_url}
