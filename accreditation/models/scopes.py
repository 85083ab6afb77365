"""What part of the country or which organisation each person works on."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from .organisations import Organisation
from .reference import Region


class UserScope(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="utilisateur·rice",
        on_delete=models.CASCADE,
        related_name="scope",
    )
    national = models.BooleanField("périmètre national", default=False)
    regions = models.ManyToManyField(Region, verbose_name="régions", blank=True, related_name="+")
    organisation = models.ForeignKey(
        Organisation,
        verbose_name="organisme",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="staff_scopes",
    )

    class Meta:
        verbose_name = "périmètre"
        verbose_name_plural = "périmètres"

    def __str__(self) -> str:
        return f"Périmètre de {self.user}"

    def clean(self) -> None:
        super().clean()
        if self.national and self.organisation_id:
            raise ValidationError("Un périmètre national ne peut pas être limité à un organisme.")
