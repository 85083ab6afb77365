"""Regional jury rules: settings an administrator adjusts, audited; the rest goes through services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from backoffice.core.accounts.types import actor_of
from backoffice.core.audit.events import record

from .events import JuryEvent
from .models import JuryRule


@admin.register(JuryRule)
class JuryRuleAdmin(admin.ModelAdmin):
    list_display = (
        "region",
        "min_present",
        "min_per_college",
        "majority",
        "president_casting_vote",
        "cutoff_working_days",
    )
    list_select_related = ("region",)
    ordering = ("region__name",)

    def save_model(self, request: Any, obj: JuryRule, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)  # in the admin's transaction, with the event
        record(
            JuryEvent.RULE_CHANGED,
            actor=actor_of(request),
            subject=obj,
            summary=f"Règle du jury {obj.region.name} : {obj.min_present} présents, "
            f"dont {obj.min_per_college} par collège ; {obj.get_majority_display().lower()}, "
            f"{'avec' if obj.president_casting_vote else 'sans'} voix prépondérante de la présidence ; "
            f"date limite {obj.cutoff_working_days} jours ouvrés avant la session.",
        )

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False
