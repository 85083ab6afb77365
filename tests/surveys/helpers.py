from __future__ import annotations

import re

from django.db.models import Q

from backoffice.notifications.models import Notification
from backoffice.surveys.models import Invitation


def links_for(invitation: Invitation) -> dict[str, str]:
    """The tokens of the newest email written for this invitation, read from the outbox."""
    mine = Q(key__startswith=f"survey-invitation-{invitation.pk}:") | Q(
        key__startswith=f"survey-reminder-{invitation.pk}-"
    )
    note = Notification.objects.filter(mine).order_by("-pk").first()
    assert note is not None
    answer = re.search(r"/enquete/([^/]+)/$", note.context["answer_url"])
    assert answer is not None
    return {
        "token": answer.group(1),
        "answer": note.context["answer_url"],
        "opt_out": note.context["opt_out_url"],
    }
