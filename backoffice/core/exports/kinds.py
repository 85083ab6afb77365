"""The lists that can be exported, and the registry each domain fills with its own lists.

The generic part lives here, on the ground floor: the kinds and formats (stored on every export job), what an
export kind is (who may export it, its rows for a user and filters, its columns) and the registry. Each domain
registers its own lists from its `AppConfig.ready()` (`accreditation/exports.py`, `casefiles/exports.py`), so
the exports feature finds them without importing the domains, and the domains never import the feature.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import QuerySet
from django.http import QueryDict
from import_export.resources import Resource


class ExportKind(models.TextChoices):
    CASE_FILES = "case_files", "Dossiers candidats"
    ASSESSMENT_RESULTS = "assessment_results", "Résultats d'évaluation"
    CERTIFICATES = "certificates", "Certificats"
    JURY_DECISIONS = "jury_decisions", "Décisions de jury"
    ACCREDITATIONS = "accreditations", "Habilitations"


class ExportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX (Excel)"


# The list's slug in the export URLs (/exports/<slug>.<format>).
SLUGS = {
    ExportKind.CASE_FILES: "dossiers",
    ExportKind.ASSESSMENT_RESULTS: "resultats-evaluations",
    ExportKind.CERTIFICATES: "certificats",
    ExportKind.JURY_DECISIONS: "decisions-jury",
    ExportKind.ACCREDITATIONS: "habilitations",
}


@dataclass(frozen=True)
class Kind:
    kind: ExportKind
    may_export: Callable[[Any], bool]  # the list page's own access rule
    rows: Callable[[Any, QueryDict], QuerySet]  # the list's rows for the user and its filters
    resource: Callable[[QuerySet], Resource]  # the columns (some depend on the rows)

    @property
    def label(self) -> str:
        return str(self.kind.label)

    @property
    def slug(self) -> str:
        return SLUGS[self.kind]


KINDS: dict[str, Kind] = {}
"""Every registered kind by its stored value (`ExportJob.kind`)."""
BY_SLUG: dict[str, Kind] = {}
"""Every registered kind by its slug in the export URLs."""


def register(*kinds: Kind) -> None:
    """Make these lists exportable; called by each domain from its `AppConfig.ready()`."""
    for kind in kinds:
        registered = KINDS.get(kind.kind)
        if registered is not None and registered != kind:
            raise ValueError(f"The export kind {kind.kind!r} is already registered.")
        KINDS[kind.kind] = kind
        BY_SLUG[kind.slug] = kind


def by_slug(slug: str) -> Kind | None:
    """The registered kind of this URL slug, or None."""
    return BY_SLUG.get(slug)
