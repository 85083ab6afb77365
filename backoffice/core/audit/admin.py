from __future__ import annotations

from django.contrib import admin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("occurred_at", "verb", "subject_label", "actor_label", "summary")
    list_filter = ("verb", "subject_type", ("occurred_at", admin.DateFieldListFilter))
    search_fields = ("subject_label", "summary", "actor_label", "subject_id", "verb")
    date_hierarchy = "occurred_at"
    list_select_related = ("subject_type",)
    readonly_fields = [f.name for f in AuditEvent._meta.fields]
    show_full_result_count = False

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
