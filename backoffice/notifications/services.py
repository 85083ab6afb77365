"""Writing notifications into the outbox (inside the caller's transaction) and delivering them.

Each notification has a key (event, recipient, channel): written twice, it is written once. Emails are
sent by `deliver`, in a Dramatiq actor enqueued after commit; the row is locked while it is sent, and a
row already sent is never sent again, so a redelivered or retried message changes nothing. Failures are
retried with back-off (Dramatiq's Retries), then the row is marked failed for the admins to resend.
"""

from __future__ import annotations

import datetime as dt
import smtplib
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone

from backoffice.core.accounts.types import Actor
from backoffice.core.audit.events import record
from backoffice.core.worker import send_on_commit

from .models import Channel, EmailMode, Notification, Preference, Status

MAX_ATTEMPTS = 5  # then the row is failed, for an admin to resend
SWEEP_AFTER = dt.timedelta(minutes=10)  # a pending email older than this lost its message: sent again
# What the layers above add to an email's context when it is delivered, by template: what must not be kept
# in the row (the surveys' links, derived from a secret); registered by their AppConfig.ready().
CONTEXT_BUILDERS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {}


class DeliveryError(Exception):
    """Sending failed and will be retried (the row keeps the error)."""


@dataclass
class Message:
    """One notification to write for some people: its template, French subject and context, and its page."""

    key: str  # unique to the event: recipients and channels are appended to it
    template: str
    subject: str
    context: dict[str, Any] = field(default_factory=dict)
    link: str = ""  # a path of the back-office, e.g. /candidats/dossiers/12/detail/


def notify(message: Message, *, users: Iterable[Any] = (), emails: Iterable[str] = ()) -> int:
    """Write the notification for each person (in-app, and an email now or in the day's digest as they
    chose) and for each bare address (an email: a candidate has no account), in the caller's transaction;
    the emails to send now are enqueued once it commits. Returns the number of rows written."""
    return notify_many([(message, users, emails)])


def notify_many(items: Iterable[tuple[Message, Iterable[Any], Iterable[str]]]) -> int:
    """`notify` for many messages at once (each with its people and addresses), in a few statements."""
    wanted = [
        (message, {u.pk: u for u in users if u is not None and u.is_active}, emails)
        for message, users, emails in items
    ]
    modes = dict(
        Preference.objects.filter(user_id__in={pk for _, people, _ in wanted for pk in people}).values_list(
            "user_id", "email_mode"
        )
    )
    rows = []
    for message, people, emails in wanted:
        for pk, user in people.items():
            rows.append(_row(message, Channel.IN_APP, recipient=user, status=Status.SENT, suffix=f"u{pk}"))
            if user.email:
                digest = modes.get(pk) == EmailMode.DIGEST
                rows.append(
                    _row(
                        message,
                        Channel.EMAIL,
                        recipient=user,
                        email=user.email,
                        status=Status.DIGEST if digest else Status.PENDING,
                        suffix=f"u{pk}",
                    )
                )
        for address in sorted({e.strip().lower() for e in emails if e and e.strip()}):
            rows.append(_row(message, Channel.EMAIL, email=address, status=Status.PENDING, suffix=address))
    if not rows:
        return 0
    Notification.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    keys = [row.key for row in rows if row.status == Status.PENDING]
    if keys:
        send_on_commit(lambda: enqueue(Notification.objects.filter(key__in=keys, status=Status.PENDING)))
    return len(rows)


def _row(message: Message, channel: str, *, status: str, suffix: str, **fields: Any) -> Notification:
    now = timezone.now()
    return Notification(
        channel=channel,
        template=message.template,
        subject=message.subject[:200],
        context=message.context,
        link=message.link,
        key=f"{message.key}:{channel}:{suffix}"[:200],
        status=status,
        sent_at=now if status == Status.SENT else None,
        created_at=now,
        **fields,
    )


def enqueue(notifications: QuerySet[Notification]) -> int:
    from .tasks import deliver_notification

    ids = list(notifications.values_list("pk", flat=True))
    for pk in ids:
        deliver_notification.send(pk)
    return len(ids)


def deliver(pk: int) -> str:
    """Send one pending email; returns what happened. A row locked by another worker, already sent or
    failed is left alone. Raises `DeliveryError` when sending failed and may be retried."""
    with transaction.atomic():
        notification = Notification.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
        if notification is None:
            return "absente ou en cours d'envoi"
        if notification.status != Status.PENDING or notification.channel != Channel.EMAIL:
            return "déjà traitée"
        notification.attempts += 1
        try:
            send(email_for(notification))
        except Exception as error:  # any transport error: kept on the row, retried
            notification.last_error = f"{type(error).__name__}: {error}"[:500]
            if notification.attempts >= MAX_ATTEMPTS:
                notification.status = Status.FAILED
            notification.save(update_fields=["attempts", "last_error", "status"])
            failed = notification.status == Status.FAILED
        else:
            notification.status, notification.sent_at = Status.SENT, timezone.now()
            notification.save(update_fields=["attempts", "status", "sent_at", "last_error"])
            return "envoyée"
    if failed:
        return "échec définitif"
    raise DeliveryError(notification.last_error)


def email_for(notification: Notification) -> EmailMultiAlternatives:
    """The French email, plain text and HTML, with the Certif'Pro signature and a link to the page."""
    build = CONTEXT_BUILDERS.get(notification.template)
    context = {
        **notification.context,
        **(build(notification.context) if build else {}),
        "subject": notification.subject,
        "url": absolute_url(notification.link) if notification.link else "",
        "recipient": notification.recipient,
    }
    body = render_to_string(f"notifications/email/{notification.template}.txt", context).strip()
    text = render_to_string("notifications/email/base.txt", {**context, "body": body})
    html = render_to_string("notifications/email/base.html", {**context, "body": body})
    message = EmailMultiAlternatives(
        subject=f"[CléA] {notification.subject}",
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.email],
        headers={"Message-ID": f"<notification-{notification.pk}@certifpro.clea>"},
    )
    message.attach_alternative(html, "text/html")
    return message


_THREAD = threading.local()


def send(message: EmailMultiAlternatives) -> None:
    """Send through this thread's connection, kept open between emails (a worker thread sends many: a new
    SMTP connection and greeting for each was half of an email's cost); a connection the server dropped
    while idle is opened again once, any other error closes it for the next email."""
    connections = _THREAD.__dict__.setdefault("connections", {})
    backend = settings.EMAIL_BACKEND
    connection = connections.get(backend)
    if connection is None:
        connection = connections[backend] = get_connection(backend)
        connection.open()
    message.connection = connection
    try:
        try:
            message.send()
        except smtplib.SMTPServerDisconnected:
            connection.close()
            connection.open()
            message.send()
    except Exception:
        connections.pop(backend, None)
        connection.close()
        raise


def absolute_url(path: str) -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + path


def resend(notification: Notification, *, actor: Actor) -> bool:
    """An admin sends a failed email again (from zero attempts), after commit."""
    with transaction.atomic():
        locked = Notification.objects.select_for_update().get(pk=notification.pk)
        if locked.status != Status.FAILED:
            return False
        locked.status, locked.attempts = Status.PENDING, 0
        locked.save(update_fields=["status", "attempts"])
        record(
            "notification.resent",
            actor=actor,
            subject=locked,
            summary=f"Renvoi demandé après : {locked.last_error}"[:500],
        )
        send_on_commit(lambda: enqueue(Notification.objects.filter(pk=locked.pk)))
    return True


def sweep_outbox(*, now: dt.datetime | None = None) -> int:
    """Enqueue again the emails still pending long after they were written (message lost with a worker or
    the broker): delivering is idempotent, a duplicate message is harmless."""
    stale = (now or timezone.now()) - SWEEP_AFTER
    return enqueue(
        Notification.objects.filter(
            channel=Channel.EMAIL, status=Status.PENDING, created_at__lt=stale
        ).order_by("created_at")
    )


def send_digests(*, today: dt.date | None = None) -> int:
    """One email per person gathering the notifications they chose to receive daily; returns the number of
    digests written (each then delivered as any email: idempotent, retried)."""
    day = today or timezone.localdate()
    written = 0
    recipients = (
        Notification.objects.filter(channel=Channel.EMAIL, status=Status.DIGEST)
        .values_list("recipient_id", flat=True)
        .distinct()
    )
    for recipient_id in list(recipients):
        with transaction.atomic():
            items = list(
                Notification.objects.select_for_update(skip_locked=True)
                .filter(channel=Channel.EMAIL, status=Status.DIGEST, recipient_id=recipient_id)
                .select_related("recipient")
                .order_by("created_at", "id")
            )
            if not items:
                continue
            user = items[0].recipient
            notify_digest(user, items, day)
            Notification.objects.filter(pk__in=[n.pk for n in items]).update(
                status=Status.SENT, sent_at=timezone.now()
            )
            written += 1
    return written


def notify_digest(user: Any, items: list[Notification], day: dt.date) -> None:
    entries = [
        {"subject": n.subject, "url": absolute_url(n.link) if n.link else "", "at": n.created_at.isoformat()}
        for n in items
    ]
    row = Notification(
        recipient=user,
        email=items[0].email,
        channel=Channel.EMAIL,
        template="digest",
        subject=f"Votre récapitulatif du {day:%d/%m/%Y} : {len(items)} notification(s)",
        context={"entries": entries},
        key=f"digest:{user.pk}:{day.isoformat()}:{items[-1].pk}",
        status=Status.PENDING,
    )
    row.save()
    send_on_commit(lambda: enqueue(Notification.objects.filter(pk=row.pk)))


def mark_read(user: Any, ids: Iterable[int] | None = None) -> int:
    """Mark the person's in-app notifications read (those given, or all)."""
    unread = Notification.objects.filter(recipient=user, channel=Channel.IN_APP, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())


def set_email_mode(user: Any, mode: str) -> None:
    """The person's choice of immediate emails or a daily digest, recorded in the audit trail."""
    with transaction.atomic():
        preference, _ = Preference.objects.update_or_create(
            user=user, defaults={"email_mode": EmailMode(mode)}
        )
        record(
            "notification.preference_changed",
            actor=user,
            subject=preference,
            summary=f"Courriels : {preference.get_email_mode_display()}.",
        )
