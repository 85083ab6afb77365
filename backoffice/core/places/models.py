"""The official geography of INSEE (code officiel géographique) needed to record a place of birth.

Reference data, loaded from fixtures/data/places (docs/places.md): nothing points to these rows by key,
a person's record keeps the code itself.
"""

from __future__ import annotations

import datetime as dt

from django.db import models

FRANCE_CODE = "99100"


class PlaceKind(models.TextChoices):
    # Alphabetical order is the order of the search results: current first.
    CURRENT = "current", "actuel"
    DISTRICT = "district", "arrondissement municipal"
    FORMER = "former", "ancien"


class Commune(models.Model):
    """A commune (or a former name or code of one, or a district of Paris, Lyon, Marseille) under a code.

    A code may have several rows: the commune nouvelle kept the code of one of the communes it merged."""

    code = models.CharField("code INSEE", max_length=5, db_index=True)
    name = models.CharField("nom", max_length=100)
    department = models.CharField("département", max_length=3)
    kind = models.CharField("nature", max_length=10, choices=PlaceKind.choices)
    valid_from = models.DateField("en vigueur depuis le", null=True, blank=True)
    valid_to = models.DateField("en vigueur jusqu'au", null=True, blank=True)
    current_code = models.CharField("code de la commune actuelle", max_length=5, blank=True)
    search_name = models.CharField("nom normalisé", max_length=100)

    class Meta:
        verbose_name = "commune"
        verbose_name_plural = "communes"
        ordering = ["code", "kind", "name"]
        indexes = [
            models.Index(
                fields=["search_name"], name="places_commune_search", opclasses=["varchar_pattern_ops"]
            )
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return f"{self.name} ({self.department})"

    @property
    def choice_label(self) -> str:
        """The label proposed while typing (the code is appended by the widget)."""
        if self.kind == PlaceKind.FORMER:
            return f"{self.label} · ancienne commune"
        return self.label

    def existed_on(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )


class Country(models.Model):
    """A country or territory abroad in INSEE's list (code 99XXX); 99100 is France itself."""

    code = models.CharField("code INSEE", max_length=5, unique=True)
    name = models.CharField("nom", max_length=100)
    kind = models.CharField("nature", max_length=10, choices=PlaceKind.choices)
    valid_from = models.DateField("en vigueur depuis le", null=True, blank=True)
    valid_to = models.DateField("en vigueur jusqu'au", null=True, blank=True)
    search_name = models.CharField("noms normalisés", max_length=400)

    class Meta:
        verbose_name = "pays"
        verbose_name_plural = "pays"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        return self.name

    @property
    def choice_label(self) -> str:
        return f"{self.name} · ancien pays" if self.kind == PlaceKind.FORMER else self.name

    @property
    def cdc_country_code(self) -> str:
        return cdc_country_code(self.code)

    def existed_on(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )


class PlaceDataset(models.Model):
    """Which version of each shipped file the tables hold: loading again costs one query when unchanged."""

    name = models.CharField("fichier", max_length=20, primary_key=True)
    sha256 = models.CharField("empreinte", max_length=64)
    rows = models.PositiveIntegerField("lignes")

    class Meta:
        verbose_name = "jeu de données géographiques"
        verbose_name_plural = "jeux de données géographiques"

    def __str__(self) -> str:
        return self.name


def cdc_country_code(code: str) -> str:
    """The CDC's `codePaysNaissance`: the last three digits of the INSEE code (99134 → "134")."""
    return code[-3:]
