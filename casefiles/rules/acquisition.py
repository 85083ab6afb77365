"""From assessment results to sub-domain and domain acquisition, with each sub-domain's rule.

A sub-domain is acquired when the share of its criteria met reaches its threshold and its mandatory
criterion, if any, is met; or when the assessor records the sub-domain as acquired directly (the
assessor's verdict, shown as such). A domain is acquired when all its sub-domains are.

The 5-year window is about acquiring: it runs from the positioning, a final evaluation dated after it is
refused, and a file lapses at its end only while a domain is still not acquired within it — a file
whose domains were all acquired in time waits for its jury as long as it takes.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError

from accreditation.models import Criterion, Domain, SubDomain
from casefiles.models import CaseFile, DomainStatus


@dataclass(frozen=True)
class SubDomainOutcome:
    subdomain: SubDomain
    acquired: bool
    criteria: dict[int, bool] = field(default_factory=dict)  # criterion id -> met
    criteria_by_code: dict[str, bool] = field(default_factory=dict)  # the same, by criterion code

    @property
    def met(self) -> int | None:
        return sum(self.criteria.values()) if self.criteria else None

    @property
    def total(self) -> int | None:
        return len(self.criteria) if self.criteria else None


@dataclass(frozen=True)
class AssessmentOutcome:
    """What one assessment's results give (never changed once computed: an import shares it between the
    rows that hold the same results)."""

    subdomains: list[SubDomainOutcome]
    domains: dict[int, bool]  # domain id -> acquired

    @functools.cached_property
    def results(self) -> dict[str, bool]:
        """What an assessment stores: each sub-domain's code, acquired or not, in the framework's order."""
        return {o.subdomain.code: o.acquired for o in self.subdomains}

    @functools.cached_property
    def criteria(self) -> dict[str, bool]:
        """The criteria recorded one by one, by code (none when the sub-domains were recorded directly)."""
        return {code: met for o in self.subdomains for code, met in o.criteria_by_code.items()}

    @functools.cached_property
    def decided_by_criteria(self) -> list[str]:
        """The sub-domains decided by the threshold and the mandatory criterion; the others are the
        assessor's verdict."""
        return [o.subdomain.code for o in self.subdomains if o.criteria]

    @functools.cached_property
    def acquired_domain_codes(self) -> tuple[str, ...]:
        codes = {o.subdomain.domain_id: o.subdomain.domain.code for o in self.subdomains}
        return tuple(sorted(codes[pk] for pk, acquired in self.domains.items() if acquired))


def subdomain_acquired(subdomain: SubDomain, criteria: dict[int, bool]) -> bool:
    """The sub-domain rule: threshold share of criteria met, and the mandatory criterion met."""
    met = sum(criteria.values())
    if met * 100 < subdomain.threshold_pct * len(criteria):
        return False
    mandatory = subdomain.mandatory_criterion_id
    return mandatory is None or criteria.get(mandatory, False)


OUTCOMES_KEPT = 2000  # distinct results kept per structure during an import (a few megabytes)


class FrameworkStructure:
    """A framework version's domains, sub-domains and criteria as loaded (`casefiles.selectors.
    framework_structure`), narrowed to the domains evaluated (`wanted`: their ids; None for all). It keeps the
    outcomes already computed: the same results in the same structure are computed once."""

    def __init__(
        self,
        domains: Iterable[Domain],
        subdomains: Iterable[SubDomain],
        criteria: Iterable[Criterion],
        *,
        wanted: Iterable[int] | None = None,
    ) -> None:
        all_domains = list(domains)
        chosen = set(wanted) if wanted is not None else {d.pk for d in all_domains}
        self.domains = [d for d in all_domains if d.pk in chosen]
        subdomains = list(subdomains)
        self.all_subdomains = {s.code.upper(): s for s in subdomains}
        self.subdomains = [s for s in subdomains if s.domain_id in chosen]
        criteria = list(criteria)
        self.criteria = {c.code.upper(): c for c in criteria}
        self.criteria_of: dict[int, list[Criterion]] = {}
        for criterion in criteria:
            self.criteria_of.setdefault(criterion.subdomain_id, []).append(criterion)
        self.wanted = chosen
        self.outcomes: dict[tuple[tuple[Any, Any], ...], AssessmentOutcome] = {}

    def place(
        self, code: str, value: bool, by_subdomain: dict[int, dict[int, bool]], direct: dict[int, bool]
    ) -> list[str]:
        if code in self.criteria:
            criterion = self.criteria[code]
            if criterion.subdomain.domain_id not in self.wanted:
                return [f"{code} n'appartient pas aux domaines évalués à cette étape."]
            by_subdomain.setdefault(criterion.subdomain_id, {})[criterion.pk] = value
            return []
        if code in self.all_subdomains:
            subdomain = self.all_subdomains[code]
            if subdomain.domain_id not in self.wanted:
                return [f"{code} n'appartient pas aux domaines évalués à cette étape."]
            direct[subdomain.pk] = value
            return []
        return [f"{code} : critère ou sous-domaine inconnu dans ce référentiel."]


def evaluate(structure: FrameworkStructure, results: Iterable[tuple[str, bool]]) -> AssessmentOutcome:
    """Check and compute one assessment against a framework's structure (narrowed, for a final evaluation,
    to the plan's domains); the same results in the same structure are computed once."""
    key = tuple((code, value) for code, value in results)
    outcome = structure.outcomes.get(key)
    if outcome is None:
        outcome = _evaluate(structure, key)
        if len(structure.outcomes) < OUTCOMES_KEPT:
            structure.outcomes[key] = outcome
    return outcome


def _evaluate(scope: FrameworkStructure, results: tuple[tuple[Any, Any], ...]) -> AssessmentOutcome:
    errors: list[str] = []
    by_subdomain: dict[int, dict[int, bool]] = {}
    direct: dict[int, bool] = {}
    seen: set[str] = set()
    for raw_code, value in results:
        code = str(raw_code).strip().upper()
        if code in seen:
            errors.append(f"{code} est saisi deux fois.")
            continue
        seen.add(code)
        errors.extend(scope.place(code, bool(value), by_subdomain, direct))
    outcomes = []
    for subdomain in scope.subdomains:
        outcome, problem = _outcome(
            subdomain, scope, by_subdomain.get(subdomain.pk), direct.get(subdomain.pk)
        )
        if problem:
            errors.append(problem)
        elif outcome:
            outcomes.append(outcome)
    if errors:
        raise ValidationError(errors)
    domain_status = {domain.pk: True for domain in scope.domains}
    for o in outcomes:  # a domain is acquired when all its sub-domains are
        if not o.acquired:
            domain_status[o.subdomain.domain_id] = False
    return AssessmentOutcome(subdomains=outcomes, domains=domain_status)


def _outcome(
    subdomain: SubDomain, scope: FrameworkStructure, criteria: dict[int, bool] | None, direct: bool | None
) -> tuple[SubDomainOutcome | None, str | None]:
    if criteria and direct is not None:
        return (
            None,
            f"{subdomain.code} : saisissez soit le résultat du sous-domaine, soit ses critères, "
            "pas les deux.",
        )
    if direct is not None:
        return SubDomainOutcome(subdomain=subdomain, acquired=direct), None
    if not criteria:
        return None, f"{subdomain.code} n'est pas évalué."
    missing = [c.code for c in scope.criteria_of.get(subdomain.pk, []) if c.pk not in criteria]
    if missing:
        return (
            None,
            f"{subdomain.code} : tous ses critères doivent être évalués (manque {', '.join(missing)}).",
        )
    return SubDomainOutcome(
        subdomain=subdomain,
        acquired=subdomain_acquired(subdomain, criteria),
        criteria=criteria,
        criteria_by_code={c.code: criteria[c.pk] for c in scope.criteria_of.get(subdomain.pk, [])},
    ), None


@dataclass(frozen=True)
class SubDomainVerdict:
    """How one sub-domain of a recorded assessment was decided, as the file page and the jury show it."""

    code: str
    acquired: bool
    by_criteria: bool  # by the threshold and the mandatory criterion; else the assessor's verdict
    met: int | None = None
    total: int | None = None

    @property
    def source(self) -> str:
        if self.by_criteria:
            return f"critères : {self.met}/{self.total} satisfaits"
        return "verdict de l'évaluateur·rice"


def verdicts_of(
    results: dict[str, bool],
    criteria: dict[str, bool],
    decided_by_criteria: Iterable[str],
    subdomain_of: dict[str, str],
) -> list[SubDomainVerdict]:
    """An assessment's sub-domain results with their source; `subdomain_of` maps criterion codes to theirs."""
    by_criteria = set(decided_by_criteria)
    verdicts = []
    for code, acquired in results.items():
        met = [value for criterion, value in criteria.items() if subdomain_of.get(criterion) == code]
        decided = code in by_criteria
        verdicts.append(
            SubDomainVerdict(
                code,
                acquired,
                decided,
                sum(met) if decided else None,
                len(met) if decided else None,
            )
        )
    return verdicts


def domain_result(acquired: bool, assessed_on: dt.date) -> tuple[str, dt.date | None]:
    """A grid row's status and acquisition date after an assessment on `assessed_on`."""
    return (DomainStatus.ACQUIRED, assessed_on) if acquired else (DomainStatus.TO_TRAIN, None)


def acquired_codes(outcome: AssessmentOutcome) -> list[str]:
    return list(outcome.acquired_domain_codes)


def assessment_summary(label: str, outcome: AssessmentOutcome, acquired: list[str] | None = None) -> str:
    """The event's sentence; `acquired`, when the caller has them, are `acquired_codes(outcome)`."""
    if acquired is None:
        acquired = acquired_codes(outcome)
    listed = ", ".join(acquired) or "aucun"
    return f"{label} : {len(acquired)} domaine(s) acquis sur {len(outcome.domains)} ({listed})."


# The 5-year window (which open files it still closes: `casefiles.selectors.still_acquiring`).


def check_within_window(case_file: CaseFile, assessed_on: dt.date) -> None:
    """A final evaluation is dated within the file's 5-year window (every path: form, import)."""
    if case_file.expires_on and assessed_on > case_file.expires_on:
        raise ValidationError(
            f"L'évaluation finale du {assessed_on:%d/%m/%Y} est postérieure à la fin du délai de 5 ans "
            f"({case_file.expires_on:%d/%m/%Y}) : les acquis de ce dossier sont caducs, une nouvelle "
            "évaluation préalable est nécessaire."
        )
