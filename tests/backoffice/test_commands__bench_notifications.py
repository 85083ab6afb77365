"""`manage.py bench_notifications` on a few emails: a real worker process delivers every one to the local
SMTP sink, the table is printed, and nothing is left behind (rows, queues)."""

from __future__ import annotations

import re
from io import StringIO
from typing import Any
from unittest import mock

import dramatiq
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections
from dramatiq.brokers.stub import StubBroker

from backoffice.benchmarks.notifications_measures import NOOP_QUEUE, NOTIFICATIONS_QUEUE
from backoffice.notifications.models import Channel, Notification, Status

MEASURES = [
    "acteur nu : envoi dans Redis",
    "acteur nu : du premier envoi au dernier message traité",
    "notifications : écriture dans l'outbox",
    "notifications : envoi dans Redis au commit",
    "notifications : du premier envoi au dernier courriel reçu",
]


def bench(*options: str) -> list[str]:
    out = StringIO()
    call_command("bench_notifications", "--count", "30", "--threads", "2", *options, stdout=out)
    return out.getvalue().splitlines()


def test_every_email_reaches_the_sink_and_nothing_is_left_behind(transactional_db):
    # The worker is another process: the rows must be committed, hence a transactional test.
    lines = bench()

    rows = [line for line in lines if line.startswith("| ") and not line.startswith("| mesure")]
    labels = [row.split(" | ")[0].removeprefix("| ") for row in rows]
    assert all(label.startswith(measure) for label, measure in zip(labels, MEASURES, strict=False))
    assert len(rows) in (5, 6)  # the worker's own rate once the outbox is written, when it was behind
    for row in rows:
        cells = row.strip("| ").split(" | ")
        assert len(cells) == 5 and float(cells[3].replace(",", "")) > 0
        assert cells[4].startswith("×" if " dans l'outbox " not in cells[0] else "—")
    assert rows[0].split(" | ")[1] == "30"
    assert any(
        re.match(r"Serveur SMTP de test : 30 courriels reçus .*30 destinataires, 0 en double", line)
        for line in lines
    )
    assert any("outbox : 30 envoyées, 0 en échec" in line for line in lines)
    assert lines[-1].startswith("Nettoyé")
    assert not Notification.objects.exists()
    broker: Any = dramatiq.get_broker()  # Redis: its queue sizes count the unacknowledged too
    assert broker.do_qsize(NOOP_QUEUE) == 0 and broker.do_qsize(NOTIFICATIONS_QUEUE) == 0


def test_it_refuses_a_database_with_real_emails_waiting(transactional_db):
    Notification.objects.create(
        email="someone@example.org",
        channel=Channel.EMAIL,
        template="file_opened",
        subject="Un vrai courriel",
        key="real:1",
        status=Status.PENDING,
    )

    with pytest.raises(CommandError) as refused:
        bench()

    assert "Rien n'a été fait" in str(refused.value)
    assert list(Notification.objects.values_list("key", "status")) == [("real:1", Status.PENDING)]


def test_it_refuses_a_database_other_than_postgresql_and_does_nothing(db):
    with (
        mock.patch.object(connections["default"], "vendor", "sqlite"),
        pytest.raises(CommandError) as refused,
    ):
        bench()

    assert "PostgreSQL" in str(refused.value) and "Rien n'a été fait" in str(refused.value)
    assert not Notification.objects.exists()


def test_it_refuses_a_broker_other_than_redis_and_does_nothing(db):
    with (
        mock.patch("dramatiq.get_broker", return_value=StubBroker()),
        pytest.raises(CommandError) as refused,
    ):
        bench()

    assert "Redis" in str(refused.value)
    assert not Notification.objects.exists()
