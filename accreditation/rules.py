"""The accreditation domain's rules, pure: which scope fits a person's roles, when each certification
started, an accreditation's default validity, what of an application may change after its campaign's
deadline, what a request for information names, the order of a campaign's statuses, and what a framework
version needs to be published."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from backoffice.core.accounts.roles import Role, roles_of

from .events import CampaignEvent
from .models import (
    REQUESTABLE_SECTIONS,
    AccreditationApplication,
    ApplicationDocumentCategory,
    ApplicationSection,
    ApplicationStatus,
    CampaignStatus,
    Domain,
    Organisation,
    Region,
)

REGIONAL_ROLES = {Role.CASE_OFFICER, Role.JURY_MEMBER, Role.SUPERVISOR}
NATIONAL_ROLES = {Role.SUPERVISOR, Role.ADMINISTRATOR}
ORGANISATION_ROLES = {Role.EVALUATOR_STAFF, Role.TRAINER_STAFF}
ScopeKey = tuple[str, str, str]  # (SIRET, certification code, role)


def scope_errors(
    user: Any, *, national: bool, regions: list[Region], organisation: Organisation | None
) -> list[str]:
    """Why a scope does not fit a person's roles, in French; empty when it fits."""
    roles = roles_of(user)
    errors = []
    if organisation is not None and (national or regions):
        errors.append("Un périmètre est soit un organisme, soit des régions ou le national, pas les deux.")
    if national and not roles & NATIONAL_ROLES:
        errors.append("Seuls les superviseur·es et administrateur·rices ont un périmètre national.")
    if regions and not roles & REGIONAL_ROLES:
        errors.append("Seuls les chargé·es d'instruction, membres de jury et superviseur·es ont des régions.")
    if organisation is not None and not roles & ORGANISATION_ROLES:
        errors.append(
            "Seul le personnel d'un organisme évaluateur ou de formation est rattaché à un organisme."
        )
    return errors


# The year each certification was created: nothing of it (an accreditation, a case file, a certificate) is
# dated before. CléA 2015, CléA Numérique 2019, CléA Management 2022.
CERTIFICATION_FIRST_YEARS = {"CLEA": 2015, "CLEA_NUM": 2019, "CLEA_MGT": 2022}


def certification_start(code: str) -> dt.date | None:
    """The first day a certification existed (1 January of its creation year); None for a code the rule
    does not know (a certification added later: no limit until its year is recorded here)."""
    year = CERTIFICATION_FIRST_YEARS.get(code)
    return dt.date(year, 1, 1) if year is not None else None


def default_valid_to(valid_from: dt.date) -> dt.date:
    """End of a new accreditation's default validity (3 years unless configured), inclusive."""
    return _years_later(valid_from, settings.ACCREDITATION_DEFAULT_YEARS)


def _years_later(day: dt.date, years: int) -> dt.date:
    if day.year + years > dt.MAXYEAR:
        raise ValidationError({"valid_from": "Cette date de début est invalide (année trop lointaine)."})
    try:
        return day.replace(year=day.year + years) - dt.timedelta(days=1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def is_frozen(application: AccreditationApplication, on: dt.date | None = None) -> bool:
    """A submitted application is frozen once its campaign's deadline has passed: a request for information
    then reopens only what it names."""
    day = on or timezone.localdate()
    return application.status != ApplicationStatus.DRAFT and day > application.campaign.deadline


def editable_sections(application: AccreditationApplication) -> list[str]:
    """The parts of the content the organisation may change now: all of them in a draft or before the
    deadline, after it only the sections the request names (never the commitment)."""
    if not is_frozen(application):
        return list(ApplicationSection.values)
    asked = application.requested.get("sections", [])
    return [s for s in REQUESTABLE_SECTIONS if s in asked]


def requested_documents(application: AccreditationApplication) -> list[str]:
    """The document categories the organisation may join now (all before the deadline)."""
    if not is_frozen(application):
        return list(ApplicationDocumentCategory.values)
    return [c for c in ApplicationDocumentCategory.values if c in application.requested.get("documents", [])]


def _scope_of(content: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {
        (site.get("siret", ""), scope.get("certification", ""), scope.get("role", ""))
        for site in content.get("sites", [])
        for scope in site.get("scopes", [])
    }


def frozen_changes(application: AccreditationApplication, content: dict[str, Any]) -> list[str]:
    """Why `content` may not replace the application's content after the deadline (French messages): the
    scope asked and the commitment never change, other sections only when the request names them."""
    before, editable = application.content, set(editable_sections(application))
    passed = f"La date limite de dépôt est passée ({application.campaign.deadline:%d/%m/%Y})"
    problems = []
    if _scope_of(before) != _scope_of(content):
        problems.append(f"{passed} : les établissements et les habilitations demandées ne changent plus.")
    for key in sorted(set(before) | set(content)):
        if key in editable or before.get(key) == content.get(key):
            continue
        if key == ApplicationSection.SITES and problems:
            continue  # already refused as a change of scope
        label = ApplicationSection(key).label if key in ApplicationSection.values else key
        problems.append(
            f"{passed} : la demande de complément ne porte pas sur « {label} », qui ne change plus."
        )
    return problems


def requested_scopes(application: AccreditationApplication) -> list[ScopeKey]:
    """Every SIRET × certification × role the application asks for."""
    return [
        (site["siret"], scope["certification"], scope["role"])
        for site in application.content.get("sites", [])
        for scope in site.get("scopes", [])
    ]


def requested_labels(requested: Mapping[str, Any]) -> list[str]:
    """What a request names, in French, one line per item."""
    documents = [f"Pièce : {ApplicationDocumentCategory(c).label}" for c in requested.get("documents", [])]
    if requested.get("documents_in_message"):  # a request made before requests named their items
        documents = ["Pièces : celles qu'indique le message de la demande"]
    return [
        *documents,
        *(f"À corriger : {ApplicationSection(s).label}" for s in requested.get("sections", [])),
        *(f"Question : {q}" for q in requested.get("questions", [])),
    ]


# Each status a campaign may move to: the statuses it moves from, the verb of the audit event, and its label.
CAMPAIGN_TRANSITIONS = {
    CampaignStatus.OPEN: ({CampaignStatus.DRAFT}, CampaignEvent.OPENED, "ouverte aux dépôts"),
    CampaignStatus.CLOSED: ({CampaignStatus.OPEN}, CampaignEvent.CLOSED, "close aux dépôts"),
    CampaignStatus.IN_REVIEW: ({CampaignStatus.CLOSED}, CampaignEvent.REVIEW_STARTED, "en instruction"),
    CampaignStatus.DECIDED: ({CampaignStatus.IN_REVIEW}, CampaignEvent.DECIDED, "décidée"),
    CampaignStatus.ARCHIVED: ({CampaignStatus.DECIDED}, CampaignEvent.ARCHIVED, "archivée"),
}


def structure_errors(domains: Iterable[Domain]) -> list[str]:
    """What prevents a framework version from being published, in French, empty when it is complete;
    `domains` are the version's, loaded with their sub-domains and criteria."""
    errors = []
    domains = list(domains)
    if not domains:
        errors.append("Le référentiel ne contient aucun domaine.")
    for domain in domains:
        subdomains = list(domain.subdomains.all())
        if not subdomains:
            errors.append(f"Le domaine {domain.code} ne contient aucun sous-domaine.")
        for subdomain in subdomains:
            criteria = list(subdomain.criteria.all())
            if not criteria:
                errors.append(f"Le sous-domaine {subdomain.code} ne contient aucun critère.")
            if subdomain.mandatory_criterion_id and subdomain.mandatory_criterion_id not in {
                c.pk for c in criteria
            }:
                errors.append(
                    f"Le critère obligatoire du sous-domaine {subdomain.code} n'en fait pas partie."
                )
    return errors
