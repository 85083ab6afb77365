from __future__ import annotations

import re

from django.db.models import Q

from backoffice.notifications.models import Notification
from backoffice.notifications.services import email_for
from backoffice.surveys.models import Invitation

LINK = re.compile(r"https?://\S+/enquete/([^/\s]+)/(desinscription/)?")


def emails_of(invitation: Invitation) -> list[Notification]:
    """The outbox rows written for this invitation, oldest first."""
    mine = Q(key__startswith=f"survey-invitation-{invitation.pk}:") | Q(
        key__startswith=f"survey-reminder-{invitation.pk}-"
    )
    return list(Notification.objects.filter(mine).order_by("pk"))


def links_in(note: Notification) -> dict[str, str]:
    """The links of an email as the person would receive it if it were delivered now."""
    return links_in_body(email_for(note).body)


def links_in_body(body: str) -> dict[str, str]:
    """The answer and opt-out links of an email's text, and their tokens."""
    found = {bool(m.group(2)): (m.group(0), m.group(1)) for m in LINK.finditer(body)}
    return {
        "answer": found[False][0],
        "token": found[False][1],
        "opt_out": found[True][0],
        "opt_out_token": found[True][1],
    }


def links_for(invitation: Invitation) -> dict[str, str]:
    """The links of the newest email written for this invitation."""
    return links_in(emails_of(invitation)[-1])
