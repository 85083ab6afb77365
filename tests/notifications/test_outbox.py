"""The outbox: rows written in the caller's transaction, each email sent once, retried then failed,
recovered by the sweeper, gathered in digests; French emails with a link to the right page."""

from __future__ import annotations

import datetime as dt
import smtplib

import dramatiq
import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.utils import timezone
from dramatiq.brokers.stub import StubBroker

from backoffice.notifications import services, tasks
from backoffice.notifications.models import Channel, EmailMode, Notification, Status
from tests.factories import UserFactory

MESSAGE = services.Message(
    "event:1", "file_opened", "Dossier ouvert : MARTIN Léa – CléA", {"file": "MARTIN Léa – CléA"},
    link="/notifications/",
)  # fmt: skip


class FailingBackend(BaseEmailBackend):
    def send_messages(self, messages):  # type: ignore[no-untyped-def]
        raise smtplib.SMTPServerDisconnected("Connexion SMTP perdue")


@pytest.fixture
def person(db):  # type: ignore[no-untyped-def]
    return UserFactory(username="lea.staff", email="lea@organisme.example", first_name="Léa")


def _emails(**filters):  # type: ignore[no-untyped-def]
    return Notification.objects.filter(channel=Channel.EMAIL, **filters)


def test_a_notification_is_written_once_per_key_and_only_if_the_event_commits(person):
    with transaction.atomic():
        services.notify(MESSAGE, users=[person])
        services.notify(MESSAGE, users=[person])  # the same event notified twice

    assert Notification.objects.filter(channel=Channel.IN_APP, recipient=person).count() == 1
    assert _emails(recipient=person, status=Status.PENDING).count() == 1

    with pytest.raises(RuntimeError), transaction.atomic():
        services.notify(services.Message("event:2", "file_opened", "Autre"), users=[person])
        raise RuntimeError("the event's transaction fails")
    assert not Notification.objects.filter(key__startswith="event:2").exists()


def test_each_email_is_sent_once_even_when_its_message_is_delivered_twice(person, mailoutbox):
    services.notify(MESSAGE, users=[person], emails=["candidat@example.org"])
    pks = list(_emails().values_list("pk", flat=True))

    outcomes = [services.deliver(pk) for pk in pks for _ in range(2)]

    assert outcomes.count("envoyée") == 2 and outcomes.count("déjà traitée") == 2
    assert sorted(m.to[0] for m in mailoutbox) == ["candidat@example.org", "lea@organisme.example"]
    assert _emails(status=Status.SENT).count() == 2


def test_the_email_is_french_with_the_signature_and_a_working_link(person, mailoutbox, client, settings):
    settings.PUBLIC_BASE_URL = "https://clea.certifpro.example"
    services.notify(MESSAGE, users=[person])
    services.deliver(_emails().get().pk)

    email = mailoutbox[0]
    html = email.alternatives[0][0]
    assert email.subject == "[CléA] Dossier ouvert : MARTIN Léa – CléA"
    assert email.body.startswith("Bonjour Léa,") and "Certif'Pro" in email.body
    assert "https://clea.certifpro.example/notifications/" in email.body
    assert 'href="https://clea.certifpro.example/notifications/"' in html and "MARTIN Léa" in html
    client.force_login(person)
    assert client.get("/notifications/").status_code == 200


def test_a_failing_smtp_server_is_retried_then_the_email_is_failed_and_can_be_resent(
    person, settings, mailoutbox
):
    services.notify(MESSAGE, users=[person])
    pk = _emails().get().pk
    settings.EMAIL_BACKEND = f"{__name__}.FailingBackend"

    for attempt in range(1, services.MAX_ATTEMPTS):
        with pytest.raises(services.DeliveryError):
            services.deliver(pk)
        assert _emails().get().attempts == attempt
    assert services.deliver(pk) == "échec définitif"
    failed = _emails().get()
    assert failed.status == Status.FAILED and "Connexion SMTP perdue" in failed.last_error
    assert services.deliver(pk) == "déjà traitée"  # a late retry sends nothing

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert services.resend(failed, actor=person)
    assert services.deliver(pk) == "envoyée" and len(mailoutbox) == 1


def test_the_actor_retries_delivery_errors_only_and_a_bounded_number_of_times():
    retry_when = tasks.deliver_notification.options["retry_when"]

    assert all(retry_when(n, services.DeliveryError("x")) for n in range(services.MAX_ATTEMPTS - 1))
    assert not retry_when(services.MAX_ATTEMPTS - 1, services.DeliveryError("x"))
    assert not retry_when(0, ValueError("a bug is not retried"))
    assert tasks.deliver_notification.options["min_backoff"] >= 1000


def test_the_sweeper_enqueues_again_the_emails_whose_message_was_lost(person, monkeypatch):
    services.notify(MESSAGE, users=[person])
    services.notify(services.Message("event:9", "file_opened", "Récent"), users=[person])
    lost = _emails(key__startswith="event:1").get()
    Notification.objects.filter(pk=lost.pk).update(created_at=timezone.now() - dt.timedelta(minutes=30))
    sent: list[int] = []
    monkeypatch.setattr(tasks.deliver_notification, "send", sent.append)

    assert services.sweep_outbox() == 1 and sent == [lost.pk]


def test_people_who_chose_a_digest_get_one_email_a_day_listing_everything(person, mailoutbox):
    services.set_email_mode(person, EmailMode.DIGEST)
    for n in range(3):
        services.notify(
            services.Message(f"event:{n}", "file_opened", f"Dossier ouvert n° {n}"), users=[person]
        )
    assert _emails(status=Status.PENDING).count() == 0 and _emails(status=Status.DIGEST).count() == 3

    assert services.send_digests() == 1
    assert services.send_digests() == 0  # nothing left: no second digest

    digest = _emails(template="digest").get()
    services.deliver(digest.pk)
    assert len(mailoutbox) == 1
    assert all(f"Dossier ouvert n° {n}" in mailoutbox[0].body for n in range(3))
    assert "3 notification(s)" in mailoutbox[0].subject
    assert _emails(status=Status.SENT).count() == 4
    assert Notification.objects.filter(channel=Channel.IN_APP).count() == 3  # the bell shows each at once


# Through a worker: the stub broker (retries with back-off) and the real one (Redis in CI).


def _run(broker: dramatiq.Broker, queue: str) -> None:
    worker = dramatiq.Worker(broker, worker_threads=1, worker_timeout=100)
    worker.start()
    try:
        broker.join(queue, timeout=30_000)
        worker.join()
    finally:
        worker.stop()


@pytest.fixture
def committed_person(transactional_db):  # type: ignore[no-untyped-def]
    # Worker threads use their own connections: the rows must be committed.
    return UserFactory(username="worker.staff", email="worker@organisme.example")


def test_on_the_stub_broker_a_failing_email_is_retried_with_back_off_then_failed(committed_person, settings):
    settings.EMAIL_BACKEND = f"{__name__}.FailingBackend"
    broker = StubBroker()
    broker.emit_after("process_boot")
    options = {**tasks.deliver_notification.options, "min_backoff": 10, "max_backoff": 40}
    actor = dramatiq.actor(tasks.deliver_notification.fn, broker=broker, actor_name="deliver_stub", **options)
    services.notify(MESSAGE, users=[committed_person])

    actor.send(_emails().get().pk)
    _run(broker, actor.queue_name)

    failed = _emails().get()
    assert failed.status == Status.FAILED and failed.attempts == services.MAX_ATTEMPTS


def test_through_the_real_broker_a_redelivered_message_sends_one_email(committed_person, mailoutbox):
    with transaction.atomic():  # enqueued when it commits
        services.notify(MESSAGE, users=[committed_person])
    pk = _emails().get().pk
    tasks.deliver_notification.send(pk)  # the same message delivered a second time

    _run(dramatiq.get_broker(), tasks.deliver_notification.queue_name)

    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["worker@organisme.example"]
    assert _emails().get().status == Status.SENT


def test_through_the_real_broker_the_sweeper_recovers_an_email_whose_message_was_lost(
    committed_person, mailoutbox
):
    services.notify(MESSAGE, users=[committed_person])  # committed, but its message never reached the broker
    Notification.objects.filter(channel=Channel.EMAIL).update(
        created_at=timezone.now() - dt.timedelta(minutes=30)
    )
    broker = dramatiq.get_broker()
    worker = dramatiq.Worker(broker, worker_threads=2, worker_timeout=100)
    worker.start()
    try:
        tasks.sweep_outbox.send()  # as the scheduler does every 5 minutes
        broker.join(tasks.sweep_outbox.queue_name, timeout=30_000)
        broker.join(tasks.deliver_notification.queue_name, timeout=30_000)
        worker.join()
    finally:
        worker.stop()

    assert len(mail.outbox) == 1 and _emails().get().status == Status.SENT


class DroppingBackend(BaseEmailBackend):
    """Counts the connections opened; `drop` makes the next send fail as a server closing an idle link."""

    opened = 0
    drop = False
    sent: list[str] = []

    def open(self):  # type: ignore[no-untyped-def]
        type(self).opened += 1
        return True

    def send_messages(self, messages):  # type: ignore[no-untyped-def]
        if type(self).drop:
            type(self).drop = False
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        type(self).sent.extend(m.to[0] for m in messages)
        return len(messages)


def test_a_worker_thread_keeps_its_smtp_connection_and_reopens_it_when_the_server_dropped_it(
    person, settings
):
    settings.EMAIL_BACKEND = f"{__name__}.DroppingBackend"
    DroppingBackend.opened, DroppingBackend.sent = 0, []
    services.notify(MESSAGE, users=[person], emails=["a@example.org", "b@example.org"])
    first, second, third = _emails().order_by("pk")

    services.deliver(first.pk)
    services.deliver(second.pk)
    assert DroppingBackend.opened == 1  # one connection for both
    DroppingBackend.drop = True
    assert services.deliver(third.pk) == "envoyée"

    assert DroppingBackend.opened == 2 and len(DroppingBackend.sent) == 3
    assert _emails(status=Status.SENT).count() == 3
