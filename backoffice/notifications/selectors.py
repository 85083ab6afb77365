"""Read queries on notifications: a person sees only their own in-app notifications, whatever their role."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from .models import Channel, EmailMode, Notification, Preference


def notifications_for(user: Any) -> QuerySet[Notification]:
    """The user's own in-app notifications, newest first (none for an anonymous visitor)."""
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user, channel=Channel.IN_APP).order_by("-created_at", "-id")


def unread_count_for(user: Any) -> int:
    """How many of the user's in-app notifications are still unread (one COUNT query)."""
    return notifications_for(user).filter(read_at__isnull=True).count()


def email_mode_for(user: Any) -> str:
    """The user's email preference: immediate unless they chose the daily digest."""
    mode = Preference.objects.filter(user=user).values_list("email_mode", flat=True).first()
    return mode or EmailMode.IMMEDIATE


def get_notification_for(user: Any, pk: int) -> Notification:
    """One of the user's own in-app notifications, else 404."""
    return get_object_or_404(notifications_for(user), pk=pk)
