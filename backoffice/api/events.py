"""Audit event types of the API keys (the acts made with a key are recorded by their services, with the key's
service account as actor: « via l'API, clé … »)."""

from __future__ import annotations

from django.db import models


class ApiEvent(models.TextChoices):
    KEY_CREATED = "api.key_created", "Clé d'API créée"
    KEY_REVOKED = "api.key_revoked", "Clé d'API révoquée"
