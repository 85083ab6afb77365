"""The outbox for the administrators: counts per template and status, failed emails resent."""

from __future__ import annotations

import pytest

from backoffice.core.audit.models import AuditEvent
from backoffice.notifications import services
from backoffice.notifications.models import Channel, Notification, Status
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
URL = "/admin/notifications/notification/"


@pytest.fixture
def outbox(db):  # type: ignore[no-untyped-def]
    person = UserFactory(username="outbox.person", email="person@organisme.example")
    for n in range(3):
        services.notify(services.Message(f"event:{n}", "file_opened", f"Dossier {n}"), users=[person])
    services.notify(services.Message("event:9", "jury_closed", "Session close"), users=[person])
    failed = Notification.objects.filter(channel=Channel.EMAIL, template="jury_closed").get()
    Notification.objects.filter(pk=failed.pk).update(status=Status.FAILED, attempts=5, last_error="SMTP 421")
    return failed


def test_the_outbox_shows_counts_per_template_and_status_and_filters_the_failed(admin_client, outbox):
    page = admin_client.get(URL).content.decode()
    table = page[page.index('id="per-template"') : page.index("</table>", page.index('id="per-template"'))]
    # file_opened: 3 pending emails + 3 in-app (sent); jury_closed: 1 in-app (sent) + 1 failed email.
    assert "<td>file_opened</td><td>3</td><td>0</td><td>3</td><td>0</td><td>6</td>" in table.replace("\n", "")
    assert "<td>jury_closed</td><td>0</td><td>0</td><td>1</td><td>1</td><td>2</td>" in table.replace("\n", "")

    failed_only = admin_client.get(URL, {"status__exact": "failed"}).content.decode()
    assert "SMTP 421" in failed_only and failed_only.count('class="action-select"') == 1


def test_an_admin_resends_a_failed_email_and_the_audit_trail_says_so(
    admin_client, outbox, monkeypatch, django_capture_on_commit_callbacks
):
    sent: list[int] = []
    monkeypatch.setattr(services, "enqueue", lambda rows: sent.extend(rows.values_list("pk", flat=True)))
    pending = Notification.objects.filter(status=Status.PENDING).values_list("pk", flat=True)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            URL,
            {"action": "resend_failed", "_selected_action": [outbox.pk, *pending]},
            follow=True,
        )

    outbox.refresh_from_db()
    assert (outbox.status, outbox.attempts) == (Status.PENDING, 0)
    assert sent == [outbox.pk]  # enqueued once committed
    messages = [str(m) for m in response.context["messages"]]
    assert "1 courriel(s) renvoyé(s) à la file d'envoi." in messages
    assert any("seules celles en échec" in m for m in messages)
    assert AuditEvent.objects.filter(verb="notification.resent", subject_id=str(outbox.pk)).count() == 1


def test_an_outsider_cannot_see_the_outbox(client_for, evaluator, outbox):
    assert client_for(evaluator).get(URL).status_code in (302, 403)
