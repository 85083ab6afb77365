"""Read queries on organisations, sites and accreditations, scoped to the user."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, DateField, Exists, F, OuterRef, Prefetch, Q, QuerySet, Value
from django.shortcuts import get_object_or_404
from django.utils import timezone

from backoffice.core.accounts.models import User
from backoffice.core.accounts.roles import Role, group_name, has_role
from backoffice.core.accounts.service_accounts import people_only
from backoffice.core.audit.events import combined_timeline
from backoffice.core.audit.models import AuditEvent

from .models import (
    MANDATORY_DOCUMENTS,
    Accreditation,
    AccreditationApplication,
    AccreditationCampaign,
    AccreditationRole,
    AccreditationStatus,
    AccreditationStatusChange,
    ApplicationDocument,
    ApplicationDocumentCategory,
    ApplicationStatus,
    CampaignAudience,
    CampaignStatus,
    Certification,
    Criterion,
    Domain,
    FrameworkStatus,
    FrameworkVersion,
    Organisation,
    Region,
    Site,
    SubDomain,
)
from .scoping import scope_of


def organisations_for(user: Any) -> QuerySet[Organisation]:
    """Organisations the user may see: their own, or those with a site in their regions."""
    scope = scope_of(user)
    queryset = Organisation.objects.all()
    if scope.national:
        return queryset
    in_regions = Site.objects.filter(organisation=OuterRef("pk"), region_id__in=sorted(scope.region_ids))
    return (
        queryset.filter(Q(pk=scope.organisation_id) | Exists(in_regions))
        if not scope.is_empty
        else queryset.none()
    )


def sites_for(user: Any) -> QuerySet[Site]:
    """Sites the user may see."""
    queryset = Site.objects.select_related("organisation", "department", "region")
    if scope_of(user).is_empty:
        return queryset.none()
    return scope_of(user).filter(queryset, region="region_id", organisation="organisation_id")


def accreditations_for(user: Any) -> QuerySet[Accreditation]:
    """Accreditations the user may see."""
    queryset = Accreditation.objects.select_related("site__organisation", "site__region", "certification")
    if scope_of(user).is_empty:
        return queryset.none()
    return scope_of(user).filter(queryset, region="site__region_id", organisation="site__organisation_id")


def get_organisation_for(user: Any, pk: int) -> Organisation:
    """One organisation in the user's scope, else 404."""
    return get_object_or_404(organisations_for(user), pk=pk)


def get_site_for(user: Any, pk: int) -> Site:
    """One site in the user's scope, else 404."""
    return get_object_or_404(sites_for(user), pk=pk)


def get_accreditation_for(user: Any, pk: int) -> Accreditation:
    """One accreditation in the user's scope, else 404."""
    return get_object_or_404(accreditations_for(user), pk=pk)


def organisation_timeline(user: Any, organisation: Organisation) -> QuerySet[AuditEvent]:
    """What happened to an organisation, its sites and their accreditations, within the user's scope."""
    return combined_timeline(
        Organisation.objects.filter(pk=organisation.pk),
        sites_for(user).filter(organisation=organisation),
        accreditations_for(user).filter(site__organisation=organisation),
    )


def accreditations_expiring(
    user: Any, *, within_days: int = 180, today: dt.date | None = None
) -> QuerySet[Accreditation]:
    """Active accreditations in scope that end within the given number of days."""
    today = today or timezone.localdate()
    return (
        accreditations_for(user)
        .filter(
            status=AccreditationStatus.ACTIVE,
            valid_to__gte=today,
            valid_to__lte=today + dt.timedelta(days=within_days),
        )
        .order_by("valid_to")
    )


def accredited_on(site: Site | int, certification: Certification | int, role: str, on: dt.date) -> bool:
    """Whether the site was accredited for this certification and role on day `on`, as it stood that day:
    the one rule every act (opening, assessment, plan, import) is checked by, with the act's own date."""
    site_id = site if isinstance(site, int) else site.pk
    certification_id = certification if isinstance(certification, int) else certification.pk
    return (
        Accreditation.objects.in_force(on)
        .filter(site_id=site_id, certification_id=certification_id, role=role)
        .exists()
    )


def accredited_scopes_on(
    days: Iterable[dt.date], *, role: str, site_ids: Iterable[int] | None = None
) -> dict[dt.date, set[tuple[int, int]]]:
    """For each day, the (site, certification) pairs accredited in `role` that day (the rule of
    `accredited_on`), for many days in one query: what an import's rows are checked against."""
    days = sorted(set(days))
    sites = None if site_ids is None else sorted(set(site_ids))
    found: dict[dt.date, set[tuple[int, int]]] = {day: set() for day in days}
    for chunk in (days[i : i + 100] for i in range(0, len(days), 100)):  # SQLite caps a compound SELECT
        parts = []
        for day in chunk:
            part = Accreditation.objects.in_force(day).filter(role=role)
            if sites is not None:
                part = part.filter(site_id__in=sites)
            parts.append(
                part.order_by()
                .annotate(day=Value(day, output_field=DateField()))
                .values_list("day", "site_id", "certification_id")
            )
        rows = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
        for day, site_id, certification_id in rows:
            found[_as_date(day)].add((site_id, certification_id))
    return found


class AccreditedOnDays:
    """`accredited_on` for the many rows of an import: `load` the (day, site) pairs of a batch in one query,
    then ask row by row (a pair not loaded is asked on its own)."""

    def __init__(self, role: str) -> None:
        self.role = role
        self.known: dict[tuple[dt.date, int], set[int]] = {}  # (day, site) -> certifications that day

    def load(self, pairs: Iterable[tuple[dt.date, int]]) -> None:
        wanted = {pair for pair in pairs if pair not in self.known}
        if not wanted:
            return
        days, site_ids = {day for day, _ in wanted}, {site_id for _, site_id in wanted}
        found = accredited_scopes_on(days, role=self.role, site_ids=site_ids)
        for day in days:
            for site_id in site_ids:
                self.known[(day, site_id)] = {c for s, c in found[day] if s == site_id}

    def __call__(self, site_id: int, certification_id: int, on: dt.date) -> bool:
        if (on, site_id) not in self.known:
            self.load([(on, site_id)])
        return certification_id in self.known[(on, site_id)]


def accredited_throughout(
    site: Site | int, certification: Certification | int, role: str, start: dt.date, end: dt.date
) -> bool:
    """Whether the site was accredited for this certification and role on every day from `start` to `end`
    (consecutive renewals count): the rule of `accredited_on`, checked on each day its answer may change."""
    site_id = site if isinstance(site, int) else site.pk
    certification_id = certification if isinstance(certification, int) else certification.pk
    scope = Accreditation.objects.filter(site_id=site_id, certification_id=certification_id, role=role)
    # Between two of these days nothing that decides the answer changes: checking them checks every day.
    turns = {start}
    for valid_from, valid_to, changed_on in scope.values_list("valid_from", "valid_to", "status_changed_on"):
        turns |= {valid_from, valid_to + dt.timedelta(days=1), changed_on}
    turns |= set(
        AccreditationStatusChange.objects.filter(accreditation__in=scope).values_list(
            "effective_on", flat=True
        )
    )
    days = {day for day in turns if start <= day <= end}
    in_force = accredited_scopes_on(days, role=role, site_ids=[site_id])
    return all((site_id, certification_id) in in_force[day] for day in days)


def _as_date(value: dt.date | str) -> dt.date:
    # A constant selected through a UNION comes back as text on SQLite.
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def regions_for(user: Any) -> QuerySet[Region]:
    """Regions the user works on (all of them for a national scope)."""
    scope = scope_of(user)
    if scope.national:
        return Region.objects.all()
    return Region.objects.filter(pk__in=sorted(scope.region_ids))


def region_summaries(user: Any) -> QuerySet[Region]:
    """Per region in scope: organisations, sites and accreditations in force today."""
    today = timezone.localdate()
    in_force = Q(
        sites__accreditations__status=AccreditationStatus.ACTIVE,
        sites__accreditations__valid_from__lte=today,
        sites__accreditations__valid_to__gte=today,
    )
    return regions_for(user).annotate(
        organisation_count=Count("sites__organisation", distinct=True),
        site_count=Count("sites", distinct=True),
        accreditation_count=Count("sites__accreditations", filter=in_force, distinct=True),
    )


def published_framework(certification: Certification) -> FrameworkVersion | None:
    """The framework version new case files of this certification are assessed against."""
    return certification.framework_versions.filter(status=FrameworkStatus.PUBLISHED).first()


def framework_versions() -> QuerySet[FrameworkVersion]:
    """Every framework version with its counts (reference data is visible to every signed-in user)."""
    return (
        FrameworkVersion.objects.select_related("certification")
        .annotate(
            domain_count=Count("domains", distinct=True),
            subdomain_count=Count("domains__subdomains", distinct=True),
            criterion_count=Count("domains__subdomains__criteria", distinct=True),
        )
        .order_by("certification__code", "-version")  # an aggregate drops the model's ordering: paged lists
    )


def campaigns_for(user: Any) -> QuerySet[AccreditationCampaign]:
    """Every campaign for Certif'Pro staff; the open ones for organisation staff; none for anyone else."""
    campaigns = AccreditationCampaign.objects.prefetch_related("certifications")
    if has_role(user, Role.CASE_OFFICER, Role.SUPERVISOR, Role.ADMINISTRATOR):
        return campaigns
    if has_role(user, Role.EVALUATOR_STAFF, Role.TRAINER_STAFF) and scope_of(user).organisation_id:
        return campaigns.filter(status=CampaignStatus.OPEN)
    return campaigns.none()


def get_campaign_for(user: Any, pk: int) -> AccreditationCampaign:
    """One campaign the user may see, else 404."""
    return get_object_or_404(campaigns_for(user), pk=pk)


def applications_for(user: Any) -> QuerySet[AccreditationApplication]:
    """Applications of the user's organisation; every application for Certif'Pro staff; none for others."""
    applications = AccreditationApplication.objects.select_related("campaign", "organisation")
    if has_role(user, Role.CASE_OFFICER, Role.SUPERVISOR, Role.ADMINISTRATOR):
        return applications
    organisation_id = scope_of(user).organisation_id
    if has_role(user, Role.EVALUATOR_STAFF, Role.TRAINER_STAFF) and organisation_id:
        return applications.filter(organisation_id=organisation_id)
    return applications.none()


def get_application_for(user: Any, pk: int) -> AccreditationApplication:
    """One application the user may see, else 404 (another organisation's included)."""
    return get_object_or_404(applications_for(user), pk=pk)


def campaign_applications(
    user: Any, campaign: AccreditationCampaign, *, query: str = "", status: str = ""
) -> Any:
    """A campaign's applications the user may see: submitted ones (or those of `status`), found by legal name,
    SIREN or SIRET, oldest submitted first."""
    applications = applications_for(user).filter(campaign=campaign)
    if status in ApplicationStatus.values:
        applications = applications.filter(status=status)
    else:
        applications = applications.exclude(status=ApplicationStatus.DRAFT)
    query = query.strip()
    if query:
        digits = query.replace(" ", "")
        applications = applications.filter(
            Q(legal_name__icontains=query) | Q(siren=digits) | Q(sirets__contains=digits or query)
        )
    return applications.order_by(F("submitted_at").asc(nulls_last=True), "pk")


def application_counts(user: Any, campaign: AccreditationCampaign) -> list[tuple[str, int]]:
    """How many of the campaign's applications the user may see are in each status (label, count)."""
    by_status = dict(
        applications_for(user).filter(campaign=campaign).values_list("status").annotate(n=Count("pk"))
    )
    return [(label, by_status[value]) for value, label in ApplicationStatus.choices if value in by_status]


# An application's checks before submission and for the case officer: they read its documents and the
# accreditations already held.


def submission_problems(application: AccreditationApplication) -> list[str]:
    """Why the application cannot be submitted yet (French messages), or an empty list."""
    campaign, content = application.campaign, application.content
    problems = []
    if not campaign.accepts_applications():
        problems.append(f"Les dépôts de cette campagne sont clos depuis le {campaign.deadline:%d/%m/%Y}.")
    if not content:
        problems.append("Complétez toutes les étapes du dossier avant de le déposer.")
        return problems
    return problems + content_problems(application)


def content_problems(application: AccreditationApplication) -> list[str]:
    """The submission's checks on the content and documents, as they stand at the deadline: run at submission
    and again on every answer to a request for information."""
    campaign, content = application.campaign, application.content
    problems = []
    qualiopi = content.get("qualiopi", {})
    if qualiopi.get("expires_on", "") and qualiopi["expires_on"] < campaign.deadline.isoformat():
        problems.append(
            f"Le certificat Qualiopi expire avant la date limite de dépôt ({campaign.deadline:%d/%m/%Y})."
        )
    if qualiopi.get("issued_on", "") and qualiopi["issued_on"] > campaign.deadline.isoformat():
        problems.append(
            f"Le certificat Qualiopi n'était pas encore délivré à la date limite de dépôt "
            f"({campaign.deadline:%d/%m/%Y})."
        )
    present = set(application.documents.values_list("category", flat=True))
    problems += [
        f"Pièce obligatoire manquante : {ApplicationDocumentCategory(c).label}."
        for c in MANDATORY_DOCUMENTS
        if c not in present
    ]
    problems += _already_accredited(application)
    if campaign.audience == CampaignAudience.RENEWAL:
        problems += _not_renewals(application)
    return problems


def _not_renewals(application: AccreditationApplication) -> list[str]:
    """A renewal campaign accepts only the scopes an establishment holds (on the day of submission, or at
    the deadline for an answer given after it)."""
    day = min(timezone.localdate(), application.campaign.deadline)
    return [
        f"Campagne de renouvellement : le SIRET {site['siret']} n'est pas habilité le {day:%d/%m/%Y} "
        f"({scope['certification']}, {scope['role_label']})."
        for site in application.content.get("sites", [])
        for scope in site.get("scopes", [])
        if not Accreditation.objects.in_force(day)
        .filter(site__siret=site["siret"], certification__code=scope["certification"], role=scope["role"])
        .exists()
    ]


def _already_accredited(application: AccreditationApplication) -> list[str]:
    """A SIRET asking for a scope it already holds beyond the board's decision date (not a renewal)."""
    problems = []
    board_on = application.campaign.board_on
    for site in application.content.get("sites", []):
        for scope in site.get("scopes", []):
            # As Accreditation.overlapping(): any period not withdrawn that reaches the board's date.
            held = Accreditation.objects.filter(
                site__siret=site["siret"],
                certification__code=scope["certification"],
                role=scope["role"],
                valid_to__gte=board_on,
            ).exclude(status=AccreditationStatus.WITHDRAWN)
            if held.exists():
                problems.append(
                    f"Le SIRET {site['siret']} est déjà habilité ({scope['certification']}, "
                    f"{scope['role_label']}) à la date du conseil ({board_on:%d/%m/%Y})."
                )
    return problems


def checklist(application: AccreditationApplication) -> list[tuple[str, bool]]:
    """The case officer's automatic checks on the content and documents (label, passed)."""
    content = application.content
    present = set(application.documents.values_list("category", flat=True))
    expires = content.get("qualiopi", {}).get("expires_on", "")
    return [
        ("Toutes les étapes du dossier sont complétées", bool(content)),
        *[(f"{ApplicationDocumentCategory(c).label} joint", c in present) for c in MANDATORY_DOCUMENTS],
        (
            "Qualiopi valable à la date limite",
            bool(expires) and expires >= application.campaign.deadline.isoformat(),
        ),
        ("Au moins un évaluateur ou formateur déclaré", bool(content.get("people"))),
        ("Engagement signé", bool(content.get("commitment", {}).get("signatory"))),
        (
            "Aucun SIRET déjà habilité au-delà du conseil",
            bool(content) and not _already_accredited(application),
        ),
    ]


def get_application_document_for(user: Any, pk: int) -> ApplicationDocument:
    """A document of an application the user may see (their organisation's, or any for staff), else 404."""
    documents = ApplicationDocument.objects.filter(application__in=applications_for(user))
    return get_object_or_404(documents, pk=pk)


def certifications() -> QuerySet[Certification]:
    """Every certification, by code (reference data: the same for every signed-in user)."""
    return Certification.objects.order_by("code")


def framework_outline(version: FrameworkVersion) -> QuerySet[Domain]:
    """The version's domains with their sub-domains, mandatory criterion and criteria in order."""
    subdomains = SubDomain.objects.select_related("mandatory_criterion").prefetch_related(
        Prefetch("criteria", queryset=Criterion.objects.order_by("position"))
    )
    return version.domains.prefetch_related(Prefetch("subdomains", queryset=subdomains))


def draft_framework_versions() -> QuerySet[FrameworkVersion]:
    """Framework versions still in draft, with their certification."""
    return FrameworkVersion.objects.filter(status=FrameworkStatus.DRAFT).select_related("certification")


def organisation_of(user: Any) -> Organisation | None:
    """The user's own organisation (None for a user without one)."""
    organisation_id = scope_of(user).organisation_id
    return Organisation.objects.filter(pk=organisation_id).first() if organisation_id else None


def evaluator_sites_of(user: Any) -> QuerySet[Site]:
    """Sites of the user's organisation ever accredited as evaluators (the service judges the date)."""
    # A file of a past year is opened at the site accredited on its opening date, even if that accreditation
    # has ended since.
    accredited = Accreditation.objects.filter(role=AccreditationRole.EVALUATOR).values("site_id")
    return Site.objects.filter(
        # A user without an organisation (None: IS NULL) is offered no site.
        organisation_id=scope_of(user).organisation_id,  # type: ignore[misc]
        pk__in=accredited,
    )


def evaluator_sites_accredited_today(certification: Certification | int | None) -> QuerySet[Site]:
    """Sites accredited today as evaluators for the certification."""
    accredited = Accreditation.objects.in_force().filter(
        role=AccreditationRole.EVALUATOR, certification=certification
    )
    return Site.objects.filter(pk__in=accredited.values("site_id"))


def staff_of(site: Site, *roles: Role) -> QuerySet[User]:
    """Active people of the site's organisation holding one of the roles (not its API keys' accounts)."""
    return (
        people_only(
            User.objects.filter(
                is_active=True,
                scope__organisation_id=site.organisation_id,
                groups__name__in=[group_name(r) for r in roles],
            )
        )
        .distinct()
        .order_by("last_name", "first_name")
    )
