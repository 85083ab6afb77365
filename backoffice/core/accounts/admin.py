"""The user admin records account and role changes in the audit trail; roles (groups) are read-only here.

The accreditation domain extends the user admin with each person's scope (`accreditation/admin.py`).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group

from backoffice.core.accounts.types import actor_of
from backoffice.core.audit.events import record

from .models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "first_name", "last_name", "email", "is_active", "is_staff")
    list_filter = ("groups", "is_active", "is_staff")

    def save_model(self, request: Any, obj: User, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        fields = [name for name in form.changed_data if name not in {"password", "groups"}]
        if not change or fields:
            record(
                "user.created" if not change else "user.updated",
                actor=actor_of(request),
                subject=obj,
                summary="Compte créé." if not change else "Compte modifié.",
                data={"champs": fields},
            )

    def save_related(self, request: Any, form: Any, formsets: Any, change: bool) -> None:
        before = sorted(form.instance.groups.values_list("name", flat=True)) if change else []
        super().save_related(request, form, formsets, change)
        after = sorted(form.instance.groups.values_list("name", flat=True))
        if before != after:
            record(
                "user.roles_changed",
                actor=actor_of(request),
                subject=form.instance,
                summary="Rôles : " + (", ".join(after) or "aucun"),
                data={"avant": before, "après": after},
            )

    def user_change_password(self, request: Any, id: str, form_url: str = "") -> Any:
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            user = User.objects.get(pk=id)
            record(
                "user.password_changed",
                actor=actor_of(request),
                subject=user,
                summary="Mot de passe redéfini.",
            )
        return response

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False  # deactivate instead: the audit trail and decisions keep pointing at the account


admin.site.unregister(Group)


@admin.register(Group)
class RoleGroupAdmin(GroupAdmin):
    """Roles and their permissions are defined in code (accounts/roles.py) and synchronised on migrate."""

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False
