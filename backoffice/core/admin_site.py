"""The Django admin is for administrators only: its querysets are not scoped by region or organisation."""

from __future__ import annotations

from typing import Any

from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig


class BackofficeAdminSite(AdminSite):
    site_header = "Administration du back-office CléA"
    site_title = "Back-office CléA"
    index_title = "Administration"

    def has_permission(self, request: Any) -> bool:
        from backoffice.core.accounts.roles import Role, has_role  # this module loads before the models

        user = request.user
        # is_staff alone is not enough: a case officer with it would see the whole country.
        return bool(
            user.is_active and user.is_staff and (user.is_superuser or has_role(user, Role.ADMINISTRATOR))
        )


class BackofficeAdminConfig(AdminConfig):
    default_site = "backoffice.core.admin_site.BackofficeAdminSite"
