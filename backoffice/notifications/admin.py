"""The outbox for the administrators: filters, counts per template and status, failed deliveries resent."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse

from backoffice.core.accounts.types import actor_of

from . import services
from .models import Notification, Preference, Status


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    change_list_template = "admin/notifications/notification/change_list.html"
    list_display = (
        "created_at",
        "channel",
        "template",
        "recipient",
        "email",
        "status",
        "attempts",
        "last_error",
    )
    list_filter = ("status", "channel", "template", ("created_at", admin.DateFieldListFilter))
    search_fields = ("email", "subject", "key", "recipient__username")
    date_hierarchy = "created_at"
    list_select_related = ("recipient",)
    readonly_fields = [f.name for f in Notification._meta.fields]
    actions = ["resend_failed"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="Renvoyer les courriels en échec sélectionnés", permissions=["view"])
    def resend_failed(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        resent = sum(
            services.resend(n, actor=actor_of(request)) for n in queryset.filter(status=Status.FAILED)
        )
        skipped = queryset.count() - resent
        messages.success(request, f"{resent} courriel(s) renvoyé(s) à la file d'envoi.")
        if skipped:
            messages.warning(
                request, f"{skipped} notification(s) ignorée(s) : seules celles en échec sont renvoyées."
            )

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        counts: dict[str, dict[str, int]] = {}
        for row in (
            Notification.objects.values("template", "status").annotate(n=Count("id")).order_by("template")
        ):
            counts.setdefault(row["template"], {})[row["status"]] = row["n"]
        statuses = list(Status)
        table = [
            (template, [by_status.get(status.value, 0) for status in statuses], sum(by_status.values()))
            for template, by_status in counts.items()
        ]
        context = {**(extra_context or {}), "per_template": table, "statuses": [s.label for s in statuses]}
        return super().changelist_view(request, extra_context=context)


@admin.register(Preference)
class PreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "email_mode")
    list_filter = ("email_mode",)
    search_fields = ("user__username", "user__email")
