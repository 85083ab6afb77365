"""The outbox: every notification is a row written in the transaction of the event that causes it, then
delivered after commit by a Dramatiq actor (email) or shown in the back-office (in-app)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Channel(models.TextChoices):
    EMAIL = "email", "Courriel"
    IN_APP = "in_app", "Dans le back-office"


class Status(models.TextChoices):
    PENDING = "pending", "À envoyer"
    DIGEST = "digest", "Dans le récapitulatif du jour"
    SENT = "sent", "Envoyée"
    FAILED = "failed", "Échec"


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="destinataire",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    # Where an email goes: the recipient's address when written, or a person without an account (a candidate).
    email = models.EmailField("adresse", blank=True)
    channel = models.CharField("canal", max_length=8, choices=Channel.choices)
    template = models.CharField("modèle", max_length=60)
    subject = models.CharField("objet", max_length=200)
    context = models.JSONField("contenu", default=dict, blank=True)
    link = models.CharField("lien", max_length=300, blank=True)
    # One per event, recipient and channel: an event retried or recorded twice never notifies twice.
    key = models.CharField("clé d'idempotence", max_length=200, unique=True)
    status = models.CharField("statut", max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField("tentatives", default=0)
    last_error = models.CharField("dernière erreur", max_length=500, blank=True)
    created_at = models.DateTimeField("créée le", default=timezone.now)
    sent_at = models.DateTimeField("envoyée le", null=True, blank=True)
    read_at = models.DateTimeField("lue le", null=True, blank=True)

    class Meta:
        verbose_name = "notification"
        verbose_name_plural = "notifications"
        ordering = ["-created_at", "-id"]
        indexes = [
            # The bell and the list: a person's in-app notifications, unread first.
            models.Index(fields=["recipient", "channel", "read_at"], name="notification_inbox_idx"),
            # The sweeper and the digests: what waits, oldest first.
            models.Index(
                fields=["status", "created_at"],
                name="notification_waiting_idx",
                condition=models.Q(status__in=["pending", "digest"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.email or self.recipient}"


class EmailMode(models.TextChoices):
    IMMEDIATE = "immediate", "Dès qu'il se passe quelque chose"
    DIGEST = "digest", "Un récapitulatif par jour"


class Preference(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email_mode = models.CharField(
        "courriels", max_length=10, choices=EmailMode.choices, default=EmailMode.IMMEDIATE
    )

    class Meta:
        verbose_name = "préférence de notification"
        verbose_name_plural = "préférences de notification"

    def __str__(self) -> str:
        return f"{self.user} : {self.get_email_mode_display()}"
