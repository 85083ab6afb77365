"""The statistical cells an answer counts in (`Answer`: region, certification, age band, status at entry,
sex): their stable codes and their French names, as the results and exports show them — never a code.

Age bands are the dashboards' (`backoffice.dashboards.outcomes.AGE_BANDS`), stored as a code made of their
bounds (« <25 », « 25-29 », « 30-44 », « 45+ »). Answers stored before (bands 16-25, 26-44, 45+) keep their
code: « 45+ » is the same band; 16-25 and 26-44 cannot be split again (the answers keep no birth date) and
are shown under their own name, « (anciennes tranches) »."""

from __future__ import annotations

import datetime as dt

from django.utils.text import capfirst

from accreditation.models import Certification, Region
from backoffice.dashboards.outcomes import AGE_BANDS
from casefiles.models import CandidateStatus, Sex

UNKNOWN = "Non renseigné"
FORMER_AGE_BANDS = {
    "16-25": "16 à 25 ans (anciennes tranches)",
    "26-44": "26 à 44 ans (anciennes tranches)",
}


def band_code(low: int | None, high: int | None) -> str:
    """A band's code from its bounds (the lower one included, the upper one excluded)."""
    if low is None:
        return f"<{high}"
    if high is None:
        return f"{low}+"
    return f"{low}-{high - 1}"


AGE_LABELS = {band_code(low, high): capfirst(label) for label, low, high in AGE_BANDS}


def age_band(birth_date: dt.date | None, on: dt.date) -> str:
    """The code of the age band at `on` (the award), or "" without a birth date."""
    if birth_date is None:
        return ""
    age = on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))
    for _, low, high in AGE_BANDS:
        if (low is None or age >= low) and (high is None or age < high):
            return band_code(low, high)
    return ""


def labels_of(dimension: str) -> dict[str, str]:
    """The French name of each code of a dimension, in the order the rows are shown."""
    if dimension == "region":
        return dict(Region.objects.order_by("name").values_list("code", "name"))
    if dimension == "certification":
        return dict(Certification.objects.order_by("name").values_list("code", "name"))
    if dimension == "age":
        return {**AGE_LABELS, **FORMER_AGE_BANDS}
    if dimension == "statut":
        return {str(value): str(label) for value, label in CandidateStatus.choices}
    if dimension == "sexe":
        return {str(value): str(label) for value, label in Sex.choices}
    return {}


def ordered(codes: set[str], labels: dict[str, str]) -> list[tuple[str, str]]:
    """(code, name) in the labels' order; a code without a name after (named by itself), none last."""
    order = {code: position for position, code in enumerate(labels)}
    known = sorted((c for c in codes if c in order), key=order.__getitem__)
    unknown = sorted(c for c in codes if c not in order and c)
    blank = [""] if "" in codes else []
    return [(code, labels.get(code) or code or UNKNOWN) for code in [*known, *unknown, *blank]]
