"""The user admin shows each person's scope next to their groups."""

from __future__ import annotations

from django.contrib import admin

from accreditation.models import UserScope
from backoffice.accounts.admin import UserAdmin
from backoffice.accounts.models import User


class UserScopeInline(admin.StackedInline):
    model = UserScope
    can_delete = False
    extra = 0
    fields = ("national", "regions", "organisation")
    filter_horizontal = ("regions",)
    autocomplete_fields = ("organisation",)
    readonly_fields = fields
    verbose_name = "périmètre (modifiable depuis « Périmètres »)"

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


admin.site.unregister(User)


@admin.register(User)
class UserWithScopeAdmin(UserAdmin):
    inlines = [UserScopeInline]
