"""The survey links are derived from the secret key when an email is delivered, never stored: only their
hashes are; a reminder replaces the answer link, the opt-out link stays the same in every email."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.db import connection

from backoffice.notifications.models import Notification, Status
from backoffice.notifications.services import DeliveryError, deliver
from backoffice.surveys import tokens
from backoffice.surveys.models import Answer, Invitation, OptOut
from backoffice.surveys.services import InvalidLink, answer, opt_out, send_due_invitations, send_reminders

from .conftest import SIX_MONTHS, VALID
from .helpers import emails_of, links_in, links_in_body

pytestmark = pytest.mark.django_db


def tables_containing(text: str) -> list[str]:
    """Every table of the database with a row whose text (all its columns) contains `text`."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            name = connection.ops.quote_name(table)
            query = f"SELECT 1 FROM {name} AS t WHERE t::text LIKE %s LIMIT 1"  # noqa: S608  (a table name)
            cursor.execute(query, [f"%{text}%"])
            if cursor.fetchone():
                found.append(table)
    return found


def deliver_all() -> None:
    for note in Notification.objects.filter(template="survey_invitation", status=Status.PENDING):
        assert deliver(note.pk) == "envoyée"


@pytest.fixture
def reminded_twice(survey) -> Invitation:
    """The holders invited, then reminded twice, each email delivered by the worker before the next."""
    send_due_invitations(SIX_MONTHS)
    deliver_all()
    send_reminders(SIX_MONTHS + dt.timedelta(days=7))
    deliver_all()
    send_reminders(SIX_MONTHS + dt.timedelta(days=14))
    deliver_all()
    return Invitation.objects.order_by("pk").first()


def received(invitation: Invitation) -> list[dict[str, str]]:
    """The links of the emails the invitation's holder received, in order."""
    return [links_in_body(m.body) for m in mail.outbox if m.to == [invitation.candidate.email]]


def test_no_table_holds_a_link_only_their_hashes(reminded_twice):
    links = received(reminded_twice)
    secrets = {link["token"] for link in links} | {link["opt_out_token"] for link in links}

    assert len(links) == 3 and len(secrets) == 4  # three answer links, one opt-out link
    assert tables_containing(reminded_twice.token_hash) == ["surveys_invitation"]  # the search finds
    for secret in secrets:
        assert len(secret) == 43
        assert tables_containing(secret) == [], secret
    for note in Notification.objects.filter(template="survey_invitation"):
        assert set(note.context) == {"survey_invitation", "reminder", "certification", "expires"}
    assert reminded_twice.token_hash == tokens.hash_token(links[-1]["token"])
    assert reminded_twice.opt_out_hash == tokens.hash_token(links[0]["opt_out_token"])


def test_the_first_emails_opt_out_link_works_after_two_reminders_but_not_its_answer_link(reminded_twice):
    first, _, latest = received(reminded_twice)

    with pytest.raises(InvalidLink):
        answer(first["token"], VALID)
    assert opt_out(first["opt_out_token"])

    assert OptOut.objects.filter(candidate_id=reminded_twice.candidate_id).exists()
    assert first["opt_out_token"] == latest["opt_out_token"]
    assert not Answer.objects.exists()


def test_the_opt_out_page_of_the_first_email_still_asks_to_confirm_after_the_reminders(
    reminded_twice, client
):
    first = received(reminded_twice)[0]
    path = first["opt_out"][first["opt_out"].index("/enquete/") :]

    assert "Confirmer" in client.get(path).content.decode()


def test_the_opt_out_link_does_not_open_the_questionnaire(reminded_twice):
    with pytest.raises(InvalidLink):
        answer(received(reminded_twice)[-1]["opt_out_token"], VALID)


def test_the_latest_answer_link_works(reminded_twice):
    assert answer(received(reminded_twice)[-1]["token"], VALID)


def test_without_the_secret_key_the_row_gives_no_link(survey):
    send_due_invitations(SIX_MONTHS)
    invitation = Invitation.objects.order_by("pk").first()
    token = links_in(emails_of(invitation)[0])["token"]

    assert tokens.answer_token(invitation.pk, 0, invitation.nonce) == token
    assert tokens.answer_token(invitation.pk, 0, invitation.nonce, secret="another key") != token


def test_an_email_delivered_after_the_key_is_rotated_carries_the_link_issued_before(survey, settings):
    send_due_invitations(SIX_MONTHS)
    invitation = Invitation.objects.order_by("pk").first()
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "the new key, rotated before the worker delivered the email"

    link = links_in(emails_of(invitation)[0])

    assert answer(link["token"], VALID)


def test_an_email_delivered_after_a_newer_one_carries_the_newer_link(survey):
    send_due_invitations(SIX_MONTHS)
    send_reminders(SIX_MONTHS + dt.timedelta(days=7))  # before the worker sent the invitation
    invitation = Invitation.objects.order_by("pk").first()
    first, reminder = emails_of(invitation)

    assert links_in(first)["token"] == links_in(reminder)["token"]
    assert answer(links_in(first)["token"], VALID)


def test_an_email_of_an_invitation_erased_since_is_not_sent(survey):
    send_due_invitations(SIX_MONTHS)
    note = Notification.objects.filter(template="survey_invitation").order_by("pk").first()
    Invitation.objects.filter(pk=note.context["survey_invitation"]).delete()

    with pytest.raises(DeliveryError):  # retried, then failed for the admins: never sent without its links
        deliver(note.pk)

    note.refresh_from_db()
    assert note.status == Status.PENDING and "DoesNotExist" in note.last_error
    assert not mail.outbox
