"""Read queries on case files, scoped to the user (region or organisation of the evaluation site)."""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accreditation.models import Accreditation, AccreditationRole, Criterion, Site, SubDomain
from accreditation.scoping import scope_of
from backoffice.accounts.roles import Role, has_role

from .acquisition import verdicts_of, window_applies
from .models import (
    AgendaItem,
    Candidate,
    CaseFile,
    CaseFileDocument,
    Certificate,
    DomainAcquisition,
    JurySession,
)

M = TypeVar("M", bound=Model)


def case_files_for(user: Any) -> QuerySet[CaseFile]:
    """Files the user may see: their organisation's, or those evaluated in their regions."""
    queryset = CaseFile.objects.select_related(
        "candidate", "certification", "evaluation_site__organisation", "evaluation_site__region"
    )
    return filter_by_case_file_scope(queryset, user)


def filter_by_case_file_scope(queryset: QuerySet[M], user: Any, *, via: str = "") -> QuerySet[M]:
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


JURY_ROLES = (Role.JURY_MEMBER, Role.CASE_OFFICER, Role.SUPERVISOR, Role.ADMINISTRATOR)


def jury_sessions_for(user: Any) -> QuerySet[JurySession]:
    """Sessions of the user's regions, for jury members, case officers and supervisors; nothing for others."""
    if not has_role(user, *JURY_ROLES):
        return JurySession.objects.none()
    return scope_of(user).filter(JurySession.objects.select_related("region"), region="region_id")


def get_jury_session_for(user: Any, pk: int) -> JurySession:
    """One session of the user's regions, else 404."""
    return get_object_or_404(jury_sessions_for(user), pk=pk)


def get_agenda_item_for(user: Any, pk: int) -> AgendaItem:
    """One file on the agenda of a session of the user's regions, else 404."""
    items = AgendaItem.objects.select_related(
        "session__region", "case_file__candidate", "case_file__certification", "case_file__evaluation_site"
    )
    return get_object_or_404(items.filter(session__in=jury_sessions_for(user)), pk=pk)


def certificates_for(user: Any) -> QuerySet[Certificate]:
    """Certificates of the user's regions (Certif'Pro staff, juries) or of their organisation's files."""
    if not (has_role(user, *JURY_ROLES) or user.has_perm("casefiles.view_casefile")):
        return Certificate.objects.none()
    queryset = Certificate.objects.select_related("certification", "region", "session", "case_file")
    return scope_of(user).filter(
        queryset, region="region_id", organisation="case_file__evaluation_site__organisation_id"
    )


def get_certificate_for(user: Any, pk: int) -> Certificate:
    """One certificate in the user's scope, else 404."""
    return get_object_or_404(certificates_for(user), pk=pk)


# Personal data (casefiles/personal_data.py): who corrects a candidate's identity, who exports all of it.
RECTIFYING_ROLES = (Role.EVALUATOR_STAFF, Role.CASE_OFFICER, Role.SUPERVISOR, Role.ADMINISTRATOR)
EXPORTING_ROLES = (Role.CASE_OFFICER, Role.SUPERVISOR, Role.ADMINISTRATOR)


def candidates_for(user: Any) -> QuerySet[Candidate]:
    """Candidates with at least one file the user may see."""
    return Candidate.objects.filter(pk__in=case_files_for(user).values("candidate_id"))


def get_candidate_for(user: Any, pk: int) -> Candidate:
    """One candidate with a file in the user's scope, else 404."""
    return get_object_or_404(candidates_for(user), pk=pk)


def files_outside_scope(user: Any, candidate: Candidate) -> bool:
    """Whether the candidate has files the user may not see (an export would then be partial)."""
    visible = case_files_for(user).filter(candidate=candidate).values("pk")
    return CaseFile.objects.filter(candidate=candidate).exclude(pk__in=visible).exists()
