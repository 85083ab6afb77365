"""Outcomes and population of the candidate pathway, for a region, a certification and a period: the figures a
regional report quotes ("3,842 participants, 1,802 certified, 88 % jobseekers, half under 30").

Definitions (also in docs/dashboards.md, "Résultats et publics"):

- participants: the files the person may see (`case_files_for`) opened within the period (`opened_on` from
  start to end, both included; no period: every file), within the region and certification chosen;
- certified: among those participants, the files holding a certificate awarded by a jury and not revoked
  (`Certificate`, status pending or issued), whenever it was awarded: the period picks a cohort of entrants;
- certification rate: certified / participants;
- certified straight after the preliminary assessment: certified files without any training plan; its share
  is of the certified;
- age: whole years reached on the day the file was opened (`opened_on` − birth date), in the bands < 25,
  25–29, 30–44, 45 and over; sex and status as recorded on the candidate (empty: "non renseigné");
- sectors: the sector of the professional project as typed, the ten with most participants;
- funding: the file's funding, one of the list (`casefiles.Funding`: CPF, Pro-A, the employer's skills
  development plan, OPCO, Région, France Travail (AIF), other), empty: "non renseigné".

Percentages are numbers with one decimal (88.0), 0.0 when there is nothing to divide. Three queries whatever
the number of files, over the outcome facts (`FileFact`: one row per file, refreshed every hour): one
conditional aggregate for the synthesis, ages, sexes, statuses and fundings, one per sector and one per
region."""

from __future__ import annotations

from typing import Any

from django.db.models import (
    Count,
    Q,
    QuerySet,
)
from django.urls import reverse
from django.utils import timezone

from accreditation.scoping import scope_of
from casefiles.models import CandidateStatus, Funding, Sex

from .facts import facts_as_of
from .filters import Filters
from .models import FileFact
from .tables import Table

ROUTE = "tableaux-de-bord:outcomes"
UNKNOWN = "non renseigné"
AGE_BANDS = (
    ("moins de 25 ans", None, 25),
    ("25 à 29 ans", 25, 30),
    ("30 à 44 ans", 30, 45),
    ("45 ans et plus", 45, None),
)
SEXES = [(Sex.FEMALE.value, "Femme"), (Sex.MALE.value, "Homme"), ("", UNKNOWN)]
STATUSES = [(status.value, str(status.label)) for status in CandidateStatus]
FUNDINGS = [*((funding.value, str(funding.label)) for funding in Funding), ("", UNKNOWN)]
TOP_SECTORS = 10
SHARE = "part des participants (%)"
RATE = "taux de certification (%)"


def percent(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


# A certificate awarded and not revoked (the facts' `is_certified`).
CERTIFIED = Q(is_certified=True)


def facts_for(user: Any) -> QuerySet[FileFact]:
    """The facts of the files the person may see: their regions' (their organisation's for organisation
    staff, who do not reach the dashboards), as `case_files_for`."""
    return scope_of(user).filter(FileFact.objects.all(), region="region_id", organisation="organisation_id")


def participants(user: Any, filters: Filters) -> QuerySet:
    """The files opened in the period, within the filters and the person's scope. Read from the outcome
    facts (`FileFact`, refreshed every hour): joining a year of files to their candidates, certificates and
    training plans took 2.3 s at a million files."""
    return (
        facts_for(user)
        .filter(filters.regions_q("region"))
        .filter(filters.certification_q("certification_id"))
        .filter(filters.period_q("opened_on"))
    )


def _band_q(younger: int | None, older: int | None) -> Q:
    band = Q()
    if younger is not None:
        band &= Q(age__gte=younger)
    if older is not None:
        band &= Q(age__lt=older)
    return band


def _pair(name: str, condition: Q) -> dict[str, Any]:
    """Participants and certified under a condition, as two conditional counts."""
    return {
        f"{name}_p": Count("pk", filter=condition),
        f"{name}_c": Count("pk", filter=condition & CERTIFIED),
    }


def _profile(user: Any, filters: Filters) -> dict[str, int]:
    """Every count of the synthesis, ages, sexes, statuses and fundings, in one aggregate query."""
    figures: dict[str, Any] = {
        "participants": Count("pk"),
        "certified": Count("pk", filter=CERTIFIED),
        "direct": Count("pk", filter=CERTIFIED & Q(is_trained=False)),
    }
    for i, (_, younger, older) in enumerate(AGE_BANDS):
        figures |= _pair(f"age{i}", _band_q(younger, older))
    for i, (value, _) in enumerate(SEXES):
        figures |= _pair(f"sex{i}", Q(sex=value))
    for i, (value, _) in enumerate(STATUSES):
        figures |= _pair(f"status{i}", Q(status=value))
    for i, (value, _) in enumerate(FUNDINGS):
        figures |= _pair(f"funding{i}", Q(funding=value))
    return participants(user, filters).aggregate(**figures)


def synthesis(profile: dict[str, int]) -> Table:
    total, certified, direct = profile["participants"], profile["certified"], profile["direct"]
    under_25 = profile["age0_p"]
    under_30 = under_25 + profile["age1_p"]
    jobseekers = profile[f"status{_status_index(CandidateStatus.JOBSEEKER)}_p"]
    employees = profile[f"status{_status_index(CandidateStatus.EMPLOYEE)}_p"]
    rows: list[list[Any]] = [
        ["participants", total],
        ["certifiés", certified],
        [RATE, percent(certified, total)],
        ["certifiés directement après l'évaluation préalable", direct],
        ["certifiés directement après l'évaluation préalable (% des certifiés)", percent(direct, certified)],
        ["demandeurs d'emploi (%)", percent(jobseekers, total)],
        ["salariés (%)", percent(employees, total)],
        ["moins de 25 ans (%)", percent(under_25, total)],
        ["moins de 30 ans (%)", percent(under_30, total)],
    ]
    return Table("synthese", "Synthèse", ["indicateur", "valeur"], rows)


def _status_index(status: CandidateStatus) -> int:
    return [value for value, _ in STATUSES].index(status.value)


def breakdown(
    profile: dict[str, int], *, key: str, title: str, label: str, prefix: str, names: list[str], chart: str
) -> Table:
    """One row per category: participants, certified, share of the participants."""
    total = profile["participants"]
    rows: list[list[Any]] = []
    for i, name in enumerate(names):
        count = profile[f"{prefix}{i}_p"]
        rows.append([name, count, profile[f"{prefix}{i}_c"], percent(count, total)])
    columns = [1, 2] if chart == "bar" else [1]
    return Table(
        key,
        title,
        [label, "participants", "certifiés", SHARE],
        rows,
        chart={"type": chart, "columns": columns},
    )


def by_sector(user: Any, filters: Filters, total: int) -> Table:
    counts = (
        participants(user, filters)
        .values("sector")
        .annotate(p=Count("pk"), c=Count("pk", filter=CERTIFIED))
        .order_by("-p", "sector")[:TOP_SECTORS]
    )
    rows: list[list[Any]] = [
        [values["sector"] or UNKNOWN, values["p"], values["c"], percent(values["p"], total)]
        for values in counts
    ]
    return Table(
        "secteurs",
        f"Secteurs du projet professionnel ({TOP_SECTORS} premiers)",
        ["secteur", "participants", "certifiés", SHARE],
        rows,
        chart={"type": "bar", "columns": [1, 2]},
    )


def by_region(user: Any, filters: Filters) -> Table:
    region, name = "region", "region__name"
    counts = (
        participants(user, filters)
        .values(region, name)
        .annotate(p=Count("pk"), c=Count("pk", filter=CERTIFIED))
        .order_by(name)
    )
    rows: list[list[Any]] = []
    links: list[str | None] = []
    url = reverse(ROUTE)
    for values in counts:
        rows.append([values[name], values["p"], values["c"], percent(values["c"], values["p"])])
        links.append(f"{url}?" + filters.query(region=values[region]))
    return Table(
        "regions",
        "Par région",
        ["région", "participants", "certifiés", RATE],
        rows,
        chart={"type": "bar", "columns": [1, 2]},
        links=links,
    )


def freshness() -> str:
    """What the page says of its figures' age (the facts are recomputed every hour by the scheduler)."""
    as_of = facts_as_of()
    if as_of is None:
        return "Chiffres pas encore calculés : ils le seront au prochain recalcul horaire."
    return f"Chiffres calculés le {timezone.localtime(as_of):%d/%m/%Y à %H:%M}."


def outcome_tables(user: Any, filters: Filters) -> list[Table]:
    """The page's seven tables: synthesis, ages, sexes, statuses, fundings, sectors and regions."""
    profile = _profile(user, filters)
    return [
        synthesis(profile),
        breakdown(
            profile,
            key="ages",
            title="Par tranche d'âge",
            label="tranche d'âge",
            prefix="age",
            names=[name for name, _, _ in AGE_BANDS],
            chart="bar",
        ),
        breakdown(
            profile,
            key="sexe",
            title="Par sexe",
            label="sexe",
            prefix="sex",
            names=[name for _, name in SEXES],
            chart="doughnut",
        ),
        breakdown(
            profile,
            key="statut",
            title="Par statut",
            label="statut",
            prefix="status",
            names=[name for _, name in STATUSES],
            chart="doughnut",
        ),
        breakdown(
            profile,
            key="financement",
            title="Par financement",
            label="financement",
            prefix="funding",
            names=[name for _, name in FUNDINGS],
            chart="bar",
        ),
        by_sector(user, filters, profile["participants"]),
        by_region(user, filters),
    ]
