"""Read queries on case files, jury sessions and certificates; the scoped ones take the user (region or
organisation of the evaluation site) and never return what is outside their scope."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, NamedTuple, TypeVar

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, Max, Model, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accreditation.models import (
    Accreditation,
    AccreditationRole,
    Criterion,
    Domain,
    FrameworkVersion,
    Region,
    Site,
    SubDomain,
)
from accreditation.scoping import scope_of
from backoffice.core.accounts.models import User
from backoffice.core.accounts.roles import Role, group_name, has_role
from backoffice.core.audit.models import AuditEvent
from casefiles.rules.acquisition import FrameworkStructure, verdicts_of
from casefiles.rules.juries import round_label, tally
from casefiles.rules.numbering import normalised_number
from casefiles.rules.privacy import retention_years, years_before

from .models import (
    OPEN_STATES,
    AgendaItem,
    Assessment,
    Candidate,
    CaseFile,
    CaseFileDocument,
    CaseFileState,
    Certificate,
    CertificateStatus,
    ConflictDeclaration,
    DomainAcquisition,
    DomainStatus,
    JuryMember,
    JuryRule,
    JurySession,
    JurySessionStatus,
    TrainingPlan,
    Vote,
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


def jury_session_list_for(user: Any) -> QuerySet[JurySession]:
    """The user's sessions, newest first, each with its number of files and of files still to decide."""
    return (
        jury_sessions_for(user)
        .annotate(
            files=Count("agenda", distinct=True),
            undecided=Count(
                "agenda", filter=Q(agenda__decision="", agenda__adjourned_at=None), distinct=True
            ),
        )
        .order_by("-held_on", "-id")
    )


def jury_members_for(user: Any) -> QuerySet[User]:
    """Active jury members of the user's regions (all of them for national staff), to seat in a session."""
    regions = scope_of(user).region_ids
    queryset = User.objects.filter(is_active=True, groups__name=group_name(Role.JURY_MEMBER))
    if not scope_of(user).national:
        queryset = queryset.filter(scope__regions__in=regions)
    return queryset.distinct().order_by("last_name", "first_name")


def rule_for(region: Region) -> JuryRule:
    """The region's quorum, majority and cut-off (the defaults when the region has no rule of its own)."""
    return JuryRule.objects.filter(region=region).first() or JuryRule(region=region)


def pending_agenda_items() -> QuerySet[AgendaItem]:
    """Agenda items still in a session's hands: of a session planned or open, and not adjourned."""
    return AgendaItem.objects.filter(
        session__status__in=[JurySessionStatus.PLANNED, JurySessionStatus.OPEN], adjourned_at=None
    )


def files_due(session: JurySession, *, by_cutoff: bool = True) -> QuerySet[CaseFile]:
    """The region's files ready for jury (by the cut-off, unless a late one is being added), not on the agenda
    of a session still to hold (a file adjourned there is due again)."""
    pending = pending_agenda_items()
    files = CaseFile.objects.filter(
        state=CaseFileState.READY_FOR_JURY, evaluation_site__region_id=session.region_id
    )
    if by_cutoff:
        files = files.filter(ready_for_jury_on__lte=session.cutoff_on)
    return files.exclude(pk__in=pending.values("case_file_id")).order_by("ready_for_jury_on", "pk")


def files_to_add(session: JurySession) -> QuerySet[CaseFile]:
    """Files the officer may still put on the agenda, even late, with their candidate and site."""
    return files_due(session, by_cutoff=False).select_related("candidate", "evaluation_site")


def case_file_by_pk(pk: int) -> CaseFile | None:
    """A file by its id, unscoped: the service that acts on it checks its region and step."""
    return CaseFile.objects.filter(pk=pk).first()


def agenda_of(session: JurySession) -> QuerySet[AgendaItem]:
    """The session's agenda in order, each item with its file and its number of rounds of votes."""
    return (
        session.agenda.select_related(
            "case_file__candidate", "case_file__evaluation_site", "checked_by", "case_file__certificate"
        )
        .annotate(rounds=Max("votes__round"))
        .order_by("id")
    )


def recommended_to_decide(session: JurySession) -> QuerySet[AgendaItem]:
    """Files still to decide whose award the officer recommended."""
    return session.agenda.filter(decision="", adjourned_at=None, recommended=True).select_related(
        "case_file__candidate"
    )


def members_of(session: JurySession) -> QuerySet[JuryMember]:
    """The session's members, with their user."""
    return session.members.select_related("user")


def members_among(session: JurySession, ids: Iterable[int]) -> QuerySet[JuryMember]:
    """The session's members among these ids (others are ignored)."""
    return session.members.filter(pk__in=list(ids))


def present_members(session: JurySession) -> QuerySet[JuryMember]:
    """The members present at the session, with their user."""
    return session.members.filter(present=True).select_related("user")


def seat_of(session: JurySession, user: Any) -> JuryMember | None:
    """The user's seat in the session, or None."""
    return session.members.filter(user_id=user.pk).first()


def member_of(session: JurySession, user: Any) -> JuryMember:
    """The user's seat in the session; a non-member is refused."""
    member = seat_of(session, user) if user is not None else None
    if member is None:
        raise PermissionDenied("Vous n'êtes pas membre de cette session de jury.")
    return member


def declaration_of(item: AgendaItem, member: JuryMember) -> ConflictDeclaration | None:
    """The member's declaration of interest on the file, or None."""
    return item.declarations.filter(member=member).first()


def recused_ids(item: AgendaItem) -> set[int]:
    """Members who recused themselves from the file."""
    return set(item.declarations.filter(recused=True).values_list("member_id", flat=True))


def declared_ids(item: AgendaItem) -> set[int]:
    """Members who made their declaration of interest on the file (recused or not)."""
    return set(item.declarations.values_list("member_id", flat=True))


def conflict_of(member: JuryMember, case_file: CaseFile) -> str | None:
    """The other role the member played on the file (assessor, trainer, any recorded action), else None."""
    user_id = member.user_id
    if case_file.assessments.filter(assessor_id=user_id).exists():
        return "évaluateur·rice de ce dossier"
    if case_file.training_plans.filter(trainer_id=user_id).exists():
        return "formateur·rice de ce dossier"
    acted = (
        AuditEvent.objects.for_subject(case_file)
        .filter(actor_id=user_id)
        .exclude(verb__startswith="casefile.jury")
        .exclude(verb="casefile.returned_by_jury")
    )
    if acted.exists() or AgendaItem.objects.filter(case_file=case_file, checked_by_id=user_id).exists():
        return "intervenu·e dans l'instruction de ce dossier"
    return None


def voters_for(item: AgendaItem) -> list[JuryMember]:
    """Members present who may vote on the file: not recused, with no other role on it."""
    recused = recused_ids(item)
    present = present_members(item.session)
    return [m for m in present if m.pk not in recused and conflict_of(m, item.case_file) is None]


class VoteRound(NamedTuple):
    number: int
    label: str
    votes: list[Vote]
    tally: str
    decisive: bool


def vote_rounds(item: AgendaItem) -> list[VoteRound]:
    """The rounds of votes on a file, in order; only the last one of a decided file is decisive."""
    by_round: dict[int, list[Vote]] = {}
    for vote in item.votes.select_related("member__user").order_by("round", "id"):
        by_round.setdefault(vote.round, []).append(vote)
    last = max(by_round, default=0)
    return [
        VoteRound(
            number,
            round_label(number),
            votes,
            tally(Counter(v.choice for v in votes)),
            bool(item.decision) and number == last,
        )
        for number, votes in by_round.items()
    ]


# Who sees the certificate pages (each certificate still within their scope) and exports their list.
CERTIFICATE_ROLES = (
    Role.CASE_OFFICER,
    Role.SUPERVISOR,
    Role.ADMINISTRATOR,
    Role.JURY_MEMBER,
    Role.EVALUATOR_STAFF,
)


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


def filter_certificates(
    certificates: QuerySet[Certificate], query: Mapping[str, Any]
) -> QuerySet[Certificate]:
    """The certificate list's filters (status, not yet transmitted) and order; its export applies the same."""
    if query.get("statut") in CertificateStatus.values:
        certificates = certificates.filter(status=query["statut"])
    if query.get("non_transmis") == "1":
        certificates = certificates.filter(exported_at__isnull=True)
    return certificates.order_by("-awarded_on", "-number")


def transmission_backlog(certificates: QuerySet[Certificate], *, warning_days: int) -> dict[str, int]:
    """Issued certificates not yet sent to the national training-account system, and those awarded more than
    `warning_days` ago."""
    late_before = timezone.localdate() - dt.timedelta(days=warning_days)
    return certificates.filter(status=CertificateStatus.ISSUED, exported_at__isnull=True).aggregate(
        not_transmitted=Count("pk"), late=Count("pk", filter=Q(awarded_on__lt=late_before))
    )


def issued_between(user: Any, start: dt.date, end: dt.date) -> QuerySet[Certificate]:
    """Issued certificates of the user's scope awarded in the period, with their holder's file, in order."""
    return (
        certificates_for(user)
        .filter(status=CertificateStatus.ISSUED, awarded_on__range=(start, end))
        .select_related("case_file__candidate", "case_file__evaluation_site")
        .order_by("awarded_on", "number")
    )


def verify(raw: str) -> tuple[str, Certificate | None]:
    """('valid' | 'revoked' | 'unknown', certificate) for a number as typed; a malformed number is refused."""
    number = normalised_number(raw)
    certificate = Certificate.objects.select_related("certification").filter(number=number).first()
    if certificate is None or certificate.status == CertificateStatus.PENDING:
        return "unknown", None
    return ("revoked" if certificate.status == CertificateStatus.REVOKED else "valid"), certificate


# Personal data (casefiles/personal_data.py): who corrects a candidate's identity, who exports all of it.
RECTIFYING_ROLES = (Role.EVALUATOR_STAFF, Role.CASE_OFFICER, Role.SUPERVISOR, Role.ADMINISTRATOR)
EXPORTING_ROLES = (Role.CASE_OFFICER, Role.SUPERVISOR, Role.ADMINISTRATOR)


def person_with_identity(key: str, *, exclude: int | None = None, lock: bool = False) -> Candidate | None:
    """The person recorded under this identity key (the oldest record if history left two)."""
    people = Candidate.objects.filter(identity_key=key).order_by("pk")
    if exclude is not None:
        people = people.exclude(pk=exclude)
    if lock:
        people = people.select_for_update()
    return people.first()


def people_with_identities(keys: Iterable[str]) -> dict[str, tuple[int, str]]:
    """The people recorded under these keys, by key: (id, display name); one index lookup each."""
    found: dict[str, tuple[int, str]] = {}
    for pk, key, last, first in (
        Candidate.objects.filter(identity_key__in=sorted(set(keys)))
        .order_by("-pk")  # the oldest record wins when history left two
        .values_list("pk", "identity_key", "last_name", "first_name")
    ):
        found[key] = (pk, Candidate.display_name(last, first))
    return found


def candidates_for(user: Any) -> QuerySet[Candidate]:
    """Candidates with at least one file the user may see."""
    return Candidate.objects.filter(pk__in=case_files_for(user).values("candidate_id"))


def get_candidate_for(user: Any, pk: int) -> Candidate:
    """One candidate with a file in the user's scope, else 404."""
    return get_object_or_404(candidates_for(user), pk=pk)


def candidates_due(*, today: dt.date | None = None, years: int | None = None) -> QuerySet[Candidate]:
    """Candidates not yet anonymised whose files are all closed, the last one before the cut-off (a file
    closed without a date keeps the candidate: nobody can tell when the period ends)."""
    cutoff = years_before(today or timezone.localdate(), retention_years() if years is None else years)
    unfinished = Q(case_files__state__in=OPEN_STATES) | Q(case_files__closed_on__isnull=True)
    return (
        Candidate.objects.filter(anonymised_on__isnull=True)
        .annotate(last_closed=Max("case_files__closed_on"), unfinished=Count("case_files", filter=unfinished))
        .filter(unfinished=0, last_closed__lt=cutoff)
        .order_by("pk")
    )


def files_outside_scope(user: Any, candidate: Candidate) -> bool:
    """Whether the candidate has files the user may not see (an export would then be partial)."""
    visible = case_files_for(user).filter(candidate=candidate).values("pk")
    return CaseFile.objects.filter(candidate=candidate).exclude(pk__in=visible).exists()


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
    """Active trainer or evaluator staff of the organisations of those training sites."""
    return (
        User.objects.filter(
            is_active=True,
            groups__name__in=[group_name(Role.TRAINER_STAFF), group_name(Role.EVALUATOR_STAFF)],
            scope__organisation__in=_training_sites(case_file).values("organisation_id"),
        )
        .distinct()
        .order_by("last_name")
    )
