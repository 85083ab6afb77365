from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A person who signs in: Certif'Pro staff, jury member or organisation staff."""

    # Personal data: kept while the account is active, deleted 1 year after deactivation.
    email = models.EmailField("adresse e-mail", blank=True)

    class Meta(AbstractUser.Meta):
        verbose_name = "utilisateur·rice"
        verbose_name_plural = "utilisateur·rices"
        swappable = "AUTH_USER_MODEL"

    def __str__(self) -> str:
        return self.get_full_name() or self.username
