"""Read queries on case files: scoped lists and details, the domain grid, plans, assessments, documents,
the timeline, the 5-year window and the framework structure the acquisition rule reads."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Exists, Model, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accreditation.models import (
    Accreditation,
    AccreditationRole,
    Criterion,
    Domain,
    FrameworkVersion,
    Site,
    SubDomain,
)
from accreditation.scoping import scope_of
from backoffice.core.accounts.models import User
from backoffice.core.accounts.roles import Role, group_name, has_role
from backoffice.core.accounts.service_accounts import people_only
from backoffice.core.audit.models import AuditEvent
from casefiles.models import (
    OPEN_STATES,
    Assessment,
    Candidate,
    CaseFile,
    CaseFileDocument,
    CaseFileState,
    DomainAcquisition,
    DomainStatus,
    TrainingPlan,
)
from casefiles.rules.acquisition import FrameworkStructure, verdicts_of

_M = TypeVar("_M", bound=Model)


def case_files_for(user: Any) -> QuerySet[CaseFile]:
    """Files the user may see: their organisation's, or those evaluated in their regions."""
    queryset = CaseFile.objects.select_related(
        "candidate", "certification", "evaluation_site__organisation", "evaluation_site__region"
    )
    return filter_by_case_file_scope(queryset, user)


def filter_by_case_file_scope(queryset: QuerySet[_M], user: Any, *, via: str = "") -> QuerySet[_M]:
    """Narrow rows reaching a case file through `via` (e.g. a workflow task) to the files the user may see."""
    scope = scope_of(user)
    # Region alone is not enough: jury members of a region see files only through their sessions.
    if scope.is_empty or not user.has_perm("casefiles.view_casefile"):
        return queryset.none()
    prefix = f"{via}__" if via else ""
    return scope.filter(
        queryset,
        region=f"{prefix}evaluation_site__region_id",
        organisation=f"{prefix}evaluation_site__organisation_id",
    )


def get_case_file_for(user: Any, pk: int) -> CaseFile:
    """One file in the user's scope, else 404."""
    return get_object_or_404(case_files_for(user), pk=pk)


def documents_for(user: Any) -> QuerySet[CaseFileDocument]:
    """Documents of the files the user may see."""
    queryset = CaseFileDocument.objects.select_related("case_file__evaluation_site", "uploaded_by")
    return filter_by_case_file_scope(queryset, user, via="case_file")


def get_document_for(user: Any, pk: int) -> CaseFileDocument:
    """One document of a file in the user's scope, else 404."""
    return get_object_or_404(documents_for(user), pk=pk)


def can_manage_documents(user: Any, case_file: CaseFile) -> bool:
    """Staff of the file's evaluation organisation add and withdraw documents while the file is open."""
    return (
        case_file.is_open
        and has_role(user, Role.EVALUATOR_STAFF)
        and scope_of(user).organisation_id == case_file.evaluation_site.organisation_id
    )


# The 5-year window: the open files its end still closes.


def still_acquiring(files: QuerySet[CaseFile]) -> QuerySet[CaseFile]:
    """The open files among `files` with a domain not acquired within their window: the only ones the
    window's end closes (lapse, timers, reminders, the file page's warning)."""
    left_to_acquire = DomainAcquisition.objects.filter(case_file=OuterRef("pk")).filter(
        ~Q(status=DomainStatus.ACQUIRED) | Q(acquired_on__gt=OuterRef("expires_on"))
    )
    return files.filter(state__in=OPEN_STATES, expires_on__isnull=False).filter(Exists(left_to_acquire))


def lapsing_files(today: dt.date) -> QuerySet[CaseFile]:
    """The files whose window ended before `today` with a domain still to acquire: they lapse."""
    return still_acquiring(CaseFile.objects.filter(expires_on__lt=today))


def window_applies(case_file: CaseFile) -> bool:
    """Whether the end of the file's window would close it (a domain is still to acquire)."""
    return still_acquiring(CaseFile.objects.filter(pk=case_file.pk)).exists()


def expiry_warning(case_file: CaseFile, *, today: dt.date | None = None) -> str | None:
    """'3 mois' or '6 mois' when the 5-year window ends that soon, for an open file that still has a domain
    to acquire (one whose domains were all acquired in time does not lapse while it waits for a jury)."""
    if not case_file.is_open or case_file.expires_on is None:
        return None
    days_left = (case_file.expires_on - (today or timezone.localdate())).days
    if days_left > 183 or not window_applies(case_file):
        return None
    if days_left < 0:
        return "échu"
    if days_left <= 92:
        return "3 mois"
    if days_left <= 183:
        return "6 mois"
    return None


# A framework's structure, as the acquisition rule reads it (`casefiles.rules.acquisition.evaluate`).

_STRUCTURES: ContextVar[dict[Any, FrameworkStructure] | None] = ContextVar(
    "framework_structures", default=None
)


@contextmanager
def frameworks_cached() -> Iterator[None]:
    """Within the block, each framework's sub-domains and criteria are read once (an import of many rows)."""
    token = _STRUCTURES.set({})
    try:
        yield
    finally:
        _STRUCTURES.reset(token)


def framework_structure(
    framework: FrameworkVersion, domains: Iterable[Domain] | None = None
) -> FrameworkStructure:
    """A framework version's domains, sub-domains and criteria, narrowed to `domains` (a final evaluation:
    the plan's domains); within `frameworks_cached`, read once per framework and domains."""
    wanted = None if domains is None else frozenset(d.pk for d in domains)
    cache = _STRUCTURES.get()
    if cache is None:
        return _load_structure(framework, wanted)
    key = (framework.pk, wanted)
    if key not in cache:
        cache[key] = _load_structure(framework, wanted)
    return cache[key]


def _load_structure(framework: FrameworkVersion, wanted: frozenset[int] | None) -> FrameworkStructure:
    return FrameworkStructure(
        framework.domains.all(),
        SubDomain.objects.filter(domain__framework_version=framework).select_related("domain"),
        Criterion.objects.filter(subdomain__domain__framework_version=framework).select_related("subdomain"),
        wanted=wanted,
    )


def domain_grid(case_file: CaseFile) -> list[DomainAcquisition]:
    """The file's domain grid; each row's `verdicts` are its sub-domains' results in the assessment that
    decided it, each decided by its criteria (threshold, mandatory criterion) or by the assessor's verdict."""
    rows = list(
        DomainAcquisition.objects.filter(case_file=case_file).select_related("domain", "source__assessor")
    )
    framework = case_file.framework_version_id
    domain_of = dict(
        SubDomain.objects.filter(domain__framework_version=framework).values_list("code", "domain_id")
    )
    subdomain_of = dict(
        Criterion.objects.filter(subdomain__domain__framework_version=framework).values_list(
            "code", "subdomain__code"
        )
    )
    for row in rows:
        source = row.source
        verdicts = (
            verdicts_of(source.results, source.criteria, source.decided_by_criteria, subdomain_of)
            if source is not None
            else []
        )
        row.verdicts = [v for v in verdicts if domain_of.get(v.code) == row.domain_id]  # type: ignore[attr-defined]
    return rows


def training_plans_of(case_file: CaseFile) -> QuerySet[TrainingPlan]:
    """The file's training plans, with their site, trainer and domains."""
    return (
        TrainingPlan.objects.filter(case_file=case_file)
        .select_related("training_site", "trainer")
        .prefetch_related("domains")
    )


def assessments_of(case_file: CaseFile) -> QuerySet[Assessment]:
    """The file's assessments (positioning, final evaluations), with their assessor."""
    return Assessment.objects.filter(case_file=case_file).select_related("assessor")


def documents_of(case_file: CaseFile) -> QuerySet[CaseFileDocument]:
    """The documents joined to the file, with who joined them."""
    return case_file.documents.select_related("uploaded_by")


def timeline_of(case_file: CaseFile) -> list[AuditEvent]:
    """The file's events and its candidate's (rectification, export, anonymisation), oldest first."""
    types = ContentType.objects.get_for_models(CaseFile, Candidate, for_concrete_models=False)
    return list(
        AuditEvent.objects.filter(
            Q(subject_type=types[CaseFile], subject_id=str(case_file.pk))
            | Q(subject_type=types[Candidate], subject_id=str(case_file.candidate_id))
        )
        .select_related("actor")
        .order_by("occurred_at", "id")
    )


def transfer_destinations(case_file: CaseFile) -> QuerySet[Site]:
    """Other organisations' sites accredited today as evaluators for the file's certification."""
    accredited = Accreditation.objects.in_force().filter(
        role=AccreditationRole.EVALUATOR, certification=case_file.certification_id
    )
    return (
        Site.objects.filter(pk__in=accredited.values("site_id"))
        .exclude(organisation_id=case_file.evaluation_site.organisation_id)
        .select_related("region")
        .order_by("region__name", "name")
    )


def expiry_moment(case_file: CaseFile) -> dt.datetime:
    """The instant the 5-year window is over: the start of the day after `expires_on`, Paris time."""
    assert case_file.expires_on is not None, "the window starts at the positioning"
    day_after = case_file.expires_on + dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day_after, dt.time.min))


def subdomains_to_assess(case_file: CaseFile, domains: QuerySet[Domain] | None = None) -> QuerySet[SubDomain]:
    """Sub-domains of the file's framework version (of these domains only, if given), in grid order."""
    subdomains = SubDomain.objects.filter(domain__framework_version=case_file.framework_version)
    if domains is not None:
        subdomains = subdomains.filter(domain__in=domains)
    return subdomains.select_related("domain").order_by("domain__position", "position")


def criteria_of(subdomains: QuerySet[SubDomain]) -> QuerySet[Criterion]:
    """Criteria of these sub-domains, in grid order."""
    return Criterion.objects.filter(subdomain__in=subdomains).order_by(
        "subdomain__domain__position", "subdomain__position", "position"
    )


def domains_to_train(case_file: CaseFile) -> QuerySet[Domain]:
    """Domains of the file's grid still to be trained, in order."""
    to_train = case_file.domain_grid.filter(status=DomainStatus.TO_TRAIN).values("domain_id")
    return Domain.objects.filter(pk__in=to_train).order_by("position")


def acquired_domains_of(case_file: CaseFile) -> QuerySet[Domain]:
    """Domains of the file's grid already acquired, in order."""
    acquired = case_file.domain_grid.filter(status=DomainStatus.ACQUIRED).values("domain_id")
    return Domain.objects.filter(pk__in=acquired).order_by("position")


def _training_sites(case_file: CaseFile) -> QuerySet[Site]:
    # The evaluator's own organisation, or organisations of the file's region accredited as trainers for this
    # certification since the file opened (the service checks every day of the plan): no national directory.
    trainers = (
        Accreditation.objects.filter(valid_to__gte=case_file.opened_on)
        .filter(
            role=AccreditationRole.TRAINER,
            certification=case_file.certification_id,
            site__region_id=case_file.evaluation_site.region_id,
        )
        .values("site_id")
    )
    own = case_file.evaluation_site.organisation_id
    return Site.objects.filter(Q(organisation_id=own) | Q(pk__in=trainers))


def training_sites_for(case_file: CaseFile) -> QuerySet[Site]:
    """Sites that may train the file's candidate: the evaluator's own, or the region's accredited trainers."""
    return _training_sites(case_file).select_related("organisation").order_by("name")


def trainers_for(case_file: CaseFile) -> QuerySet[User]:
    """Active trainer or evaluator staff of the organisations of those training sites (people, not API keys'
    accounts)."""
    return (
        people_only(
            User.objects.filter(
                is_active=True,
                groups__name__in=[group_name(Role.TRAINER_STAFF), group_name(Role.EVALUATOR_STAFF)],
                scope__organisation__in=_training_sites(case_file).values("organisation_id"),
            )
        )
        .distinct()
        .order_by("last_name")
    )


ENDING_SOON_DAYS = 14


def training_plans_for(user: Any, *, today: dt.date | None = None, limit: int = 15) -> list[TrainingPlan]:
    """The training plans of the trainer staff's organisation not yet ended (in progress or to come), the
    soonest to end first, with their candidate, certification and trainer; nothing for anyone else."""
    organisation_id = scope_of(user).organisation_id
    if not organisation_id or not has_role(user, Role.TRAINER_STAFF):
        return []
    today = today or timezone.localdate()
    plans = (
        TrainingPlan.objects.filter(training_site__organisation_id=organisation_id, ends_on__gte=today)
        .select_related("case_file__candidate", "case_file__certification", "training_site", "trainer")
        .order_by("ends_on", "pk")
    )
    return list(plans[:limit])


def files_awaiting_training_for(user: Any, *, today: dt.date | None = None) -> list[dict[str, Any]]:
    """Per certification, the files waiting for a training plan that the trainer staff's organisation may
    take: its own organisation's, and those of the regions where it is accredited to train for that
    certification. Counts only: a file's candidate is known to a trainer once the plan names them."""
    organisation_id = scope_of(user).organisation_id
    if not organisation_id or not has_role(user, Role.TRAINER_STAFF):
        return []
    today = today or timezone.localdate()
    accredited = (
        Accreditation.objects.in_force(today)
        .filter(site__organisation_id=organisation_id, role=AccreditationRole.TRAINER)
        .values("site__region_id", "certification_id")
    )
    where = Q(evaluation_site__organisation_id=organisation_id)
    for row in accredited:
        where |= Q(
            evaluation_site__region_id=row["site__region_id"], certification_id=row["certification_id"]
        )
    files = CaseFile.objects.filter(where, state=CaseFileState.TRAINING)
    rows = files.values("certification__name").annotate(count=Count("pk")).order_by("certification__name")
    return [dict(row) for row in rows]
