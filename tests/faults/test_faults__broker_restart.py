"""The Redis broker restarted (SHUTDOWN NOSAVE, then started again on the same port) during a burst of
emails: the queued messages are lost, the worker reconnects, and the outbox sweeper sends again what is
still pending, so that each email is sent exactly once."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from backoffice.notifications import services, tasks
from backoffice.notifications.models import Channel, Notification, Status
from tests.faults.harness import wait_until

BURST = 200
MESSAGE_ID = re.compile(r"^Message-ID: <notification-(\d+)@certifpro\.clea>", re.MULTILINE)


def _emails(**filters):  # type: ignore[no-untyped-def]
    return Notification.objects.filter(channel=Channel.EMAIL, **filters)


def _sent_messages(outbox: Path) -> Counter[int]:
    """The notification of every email the workers wrote (one file per SMTP connection of a thread)."""
    return Counter(
        int(pk) for file in outbox.iterdir() for pk in MESSAGE_ID.findall(file.read_text(errors="replace"))
    )


def _burst(key: str, count: int) -> None:
    with transaction.atomic():  # enqueued when it commits
        services.notify(
            services.Message(key, "file_opened", "Dossier ouvert"),
            emails=[f"candidat{n}@example.org" for n in range(count)],
        )


def test_emails_of_a_burst_are_each_sent_once_across_a_broker_restart(
    start_worker, broker, redis_server, outbox
):
    worker = start_worker(threads=2)
    _burst("burst:1", BURST)
    wait_until(lambda: _emails(status=Status.SENT).count() >= 20, timeout=60, what="les premiers envois")

    redis_server.shutdown()  # every message still queued is gone
    stranded = _emails(status=Status.PENDING).count()
    assert stranded > 0, "tout était envoyé avant l'arrêt du broker : le test ne prouve rien"
    redis_server.start()

    # The worker reconnects by itself: a new email goes through the restarted broker.
    _burst("after-restart", 1)
    after = _emails(key__startswith="after-restart").get()
    wait_until(
        lambda: _emails(pk=after.pk, status=Status.SENT).exists(),
        timeout=60,
        what=f"un envoi après le redémarrage du broker\n{worker.tail()}",
    )

    # The sweeper, as the schedule runs it later, sends again every email whose message was lost.
    later = timezone.now() + services.SWEEP_AFTER + dt.timedelta(minutes=1)
    assert services.sweep_outbox(now=later) > 0
    wait_until(lambda: not _emails(status=Status.PENDING).exists(), timeout=90, what="la fin des envois")
    broker.join(tasks.deliver_notification.queue_name, timeout=60_000)

    assert _emails(status=Status.SENT).count() == BURST + 1 and not _emails(status=Status.FAILED).exists()
    sent = _sent_messages(outbox)
    assert set(sent) == set(_emails().values_list("pk", flat=True))  # none lost
    assert [pk for pk, times in sent.items() if times > 1] == []  # none twice


def test_a_notification_written_while_the_broker_is_down_is_kept_and_the_caller_does_not_fail(
    start_worker, broker, redis_server, outbox
):
    redis_server.shutdown()
    _burst("during-outage", 3)  # the change and its notifications commit; only the enqueue fails

    assert _emails(key__startswith="during-outage", status=Status.PENDING).count() == 3
    redis_server.start()
    start_worker(threads=1)
    later = timezone.now() + services.SWEEP_AFTER + dt.timedelta(minutes=1)
    assert services.sweep_outbox(now=later) == 3
    wait_until(lambda: not _emails(status=Status.PENDING).exists(), timeout=60, what="les envois repris")
    assert sorted(_sent_messages(outbox).values()) == [1, 1, 1]
