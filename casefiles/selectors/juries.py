"""Read queries on jury sessions: scoped sessions and agenda items, members, declarations, votes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any, NamedTuple

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max, Q, QuerySet
from django.shortcuts import get_object_or_404

from accreditation.models import (
    Region,
)
from accreditation.scoping import scope_of
from backoffice.core.accounts.models import User
from backoffice.core.accounts.roles import Role, group_name, has_role
from casefiles.models import (
    AgendaItem,
    CaseFile,
    CaseFileState,
    ConflictDeclaration,
    Decision,
    JuryMember,
    JuryRule,
    JurySession,
    JurySessionStatus,
    Vote,
)
from casefiles.rules.juries import round_label, tally

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
    from .conflicts import conflicts_among

    return conflicts_among([member], [case_file.pk]).get((member.pk, case_file.pk))


def voters_for(item: AgendaItem) -> list[JuryMember]:
    """Members present who may vote on the file: not recused, with no other role on it."""
    from .conflicts import voters_by_item

    return voters_by_item([item], list(present_members(item.session)))[item.pk]


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


UPCOMING_STATUSES = (JurySessionStatus.PLANNED, JurySessionStatus.OPEN)


def upcoming_sessions_for(user: Any, *, limit: int = 3) -> list[JurySession]:
    """The next sessions of the user's regions, soonest first, each with its files, those checked by the
    officer and those whose award the officer recommended."""
    undecided = Q(agenda__adjourned_at=None)
    sessions = (
        jury_sessions_for(user)
        .filter(status__in=UPCOMING_STATUSES)
        .annotate(
            files=Count("agenda", filter=undecided, distinct=True),
            checked=Count("agenda", filter=undecided & Q(agenda__checked_by__isnull=False), distinct=True),
            recommended=Count("agenda", filter=undecided & Q(agenda__recommended=True), distinct=True),
        )
        .order_by("held_on", "pk")
    )
    return list(sessions[:limit])


def agenda_to_check(user: Any, *, limit: int = 10) -> tuple[list[AgendaItem], int]:
    """Files on the agendas of the coming sessions of the user's regions that the officer has not checked
    yet, the soonest session first, with their candidate and session; and how many there are in all."""
    items = AgendaItem.objects.filter(
        session__in=jury_sessions_for(user).filter(status__in=UPCOMING_STATUSES),
        checked_by__isnull=True,
        decision="",
        adjourned_at=None,
    )
    rows = items.select_related("session__region", "case_file__candidate", "case_file__certification")
    return list(rows.order_by("session__held_on", "session_id", "pk")[:limit]), items.count()


def held_sessions_for(user: Any, *, limit: int = 3) -> list[JurySession]:
    """The last sessions of the user's regions that were held and closed, newest first, each with its files
    decided and the certificates it awarded."""
    sessions = (
        jury_sessions_for(user)
        .filter(status=JurySessionStatus.CLOSED)
        .annotate(
            decided=Count("agenda", filter=~Q(agenda__decision=""), distinct=True),
            awarded=Count("agenda", filter=Q(agenda__decision=Decision.AWARD), distinct=True),
        )
        .order_by("-held_on", "-pk")
    )
    return list(sessions[:limit])
