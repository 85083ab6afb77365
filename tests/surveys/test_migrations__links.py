"""Data migration 0003: the links written in clear in the outbox rows before are dropped from them; an email
already delivered keeps its link working (its hash stays), an email not delivered yet gets the derived link;
every invitation emailed gets its permanent opt-out link."""

from __future__ import annotations

import hashlib

import pytest

from backoffice.notifications.models import Notification
from backoffice.surveys.models import Invitation
from backoffice.surveys.services import InvalidLink, answer, opt_out, send_due_invitations
from tests.migrating import migrated_back

from .conftest import SIX_MONTHS, VALID
from .helpers import links_in

pytestmark = pytest.mark.django_db

BEFORE = [("surveys", "0002_answer_month")]
OLD = {0: "lien-envoye-avant-la-migration-0000000000000", 1: "lien-pas-encore-envoye-000000000000000000000"}


def test_links_in_clear_leave_the_outbox_and_the_delivered_ones_keep_working(survey):
    send_due_invitations(SIX_MONTHS)
    with migrated_back(BEFORE) as old:
        notes = Notification.objects.filter(template="survey_invitation").order_by("pk")  # a table unchanged
        invitations = old.get_model("surveys", "Invitation").objects.order_by("pk")
        for number, (note, invitation) in enumerate(zip(notes, invitations, strict=True)):
            url = f"https://certifpro.example/enquete/{OLD[number]}/"
            note.context = {"certification": "CléA", "expires": "01/01/2027", "reminder": False}
            note.context |= {"answer_url": url, "opt_out_url": url + "desinscription/"}
            note.status = "sent" if number == 0 else "pending"
            note.save()
            invitation.token_hash = hashlib.sha256(OLD[number].encode()).hexdigest()
            invitation.save()

    delivered, waiting = Invitation.objects.order_by("pk")
    for note in Notification.objects.filter(template="survey_invitation"):
        assert set(note.context) == {"survey_invitation", "reminder", "certification", "expires"}
        assert OLD[0] not in str(note.context) and OLD[1] not in str(note.context)
    assert delivered.nonce and delivered.opt_out_hash and waiting.opt_out_hash
    with pytest.raises(InvalidLink):
        answer(OLD[1], VALID)  # never sent: replaced by the derived link the email will carry
    pending = Notification.objects.get(context__survey_invitation=waiting.pk)
    assert answer(links_in(pending)["token"], VALID)
    assert delivered.token_hash == hashlib.sha256(OLD[0].encode()).hexdigest()  # the delivered link works
    assert opt_out(OLD[0])  # and so does its opt-out link (it carried the answer token)
