"""Audit event types of the fees; their rows form each schedule's, period's and statement's timeline."""

from __future__ import annotations

from django.db import models


class FeeEvent(models.TextChoices):
    SCHEDULE_CREATED = "fees.schedule_created", "Barème de redevances créé"
    SCHEDULE_CHANGED = "fees.schedule_changed", "Barème de redevances modifié"
    PERIOD_COMPUTED = "fees.period_computed", "Redevances calculées pour la période"
    PERIOD_FROZEN = "fees.period_frozen", "Relevés de redevances émis pour la période"
    STATEMENT_ISSUED = "fees.statement_issued", "Relevé de redevances émis"
    STATEMENT_PAID = "fees.statement_paid", "Relevé de redevances payé"
    QUARTER_NOT_BILLED = "fees.quarter_not_billed", "Trimestre non facturé par la tâche trimestrielle"
