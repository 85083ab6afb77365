"""The surveys' share of the personal-data rules, hooked into casefiles by `SurveysConfig.ready()`: the
invitations and the opt-out are erased with the candidate; the subject-access export says whether the person
was invited and answered, never what (the answers are not linked to them)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from backoffice.notifications.models import Notification
from casefiles.models import Candidate

from .models import Invitation, OptOut


def erase_invitations(candidate: Candidate) -> None:
    """Called inside the anonymisation's transaction: the answers stay, anonymous; the survey emails go
    with the invitations (an email not sent yet would have no link)."""
    invitations = list(Invitation.objects.filter(candidate=candidate).values_list("pk", flat=True))
    if invitations:
        Notification.objects.filter(
            template="survey_invitation", context__survey_invitation__in=invitations
        ).delete()
    Invitation.objects.filter(pk__in=invitations).delete()
    OptOut.objects.filter(candidate=candidate).delete()


def subject_access_section(candidate: Candidate) -> dict[str, Any]:
    invitations = (
        Invitation.objects.filter(candidate=candidate).select_related("survey").order_by("created_at", "pk")
    )
    return {
        "enquetes": [
            {
                "enquete": invitation.survey.title,
                "vague": f"{invitation.wave_months} mois",
                "invite_le": _day(invitation.sent_at or invitation.created_at),
                "a_repondu": "oui" if invitation.answered else "non",
            }
            for invitation in invitations
        ]
    }


def _day(moment: Any) -> str:
    return timezone.localtime(moment).strftime("%d/%m/%Y")
