"""A jury session at work: attendance and quorum, declarations of interest, votes and decisions, closing."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from backoffice.core.accounts.types import Actor
from backoffice.core.audit.events import record, record_alike
from backoffice.core.audit.models import AuditEvent
from backoffice.core.signing.models import SignedKind
from backoffice.core.signing.stored import Seal, seal_files_of
from casefiles.rules.juries import JuryOutcome, jury_outcome, quorum_problem, round_label, tally
from casefiles.selectors.conflicts import voters_by_item

from ..events import JuryEvent
from ..models import (
    AgendaItem,
    CaseFile,
    ConflictDeclaration,
    Decision,
    JuryMember,
    JurySession,
    JurySessionStatus,
    Vote,
)
from ..selectors import conflict_of, member_of, present_members, rule_for, voters_for


@transaction.atomic
def open_session(session: JurySession, *, present: Iterable[JuryMember], actor: Actor) -> JurySession:
    """Open a planned session with the members present; the quorum must be met and the agenda not empty."""
    locked = JurySession.objects.select_for_update().get(pk=session.pk)
    member_of(locked, actor)
    if locked.status != JurySessionStatus.PLANNED:
        raise ValidationError("Cette session n'est plus à ouvrir.")
    if locked.held_on > timezone.localdate():
        raise ValidationError(
            f"La session se tient le {locked.held_on:%d/%m/%Y} : elle ne s'ouvre pas avant."
        )
    present_ids = {m.pk for m in present}
    members = list(locked.members.all())
    if not present_ids <= {m.pk for m in members}:
        raise ValidationError("Seuls les membres de la session peuvent être présents.")
    problem = quorum_problem(rule_for(locked.region), [m for m in members if m.pk in present_ids])
    if problem:
        raise ValidationError(problem)
    if not locked.agenda.exists():
        raise ValidationError("L'ordre du jour est vide.")
    locked.members.update(present=False)
    locked.members.filter(pk__in=present_ids).update(present=True)
    locked.status, locked.opened_at = JurySessionStatus.OPEN, timezone.now()
    locked.save(update_fields=["status", "opened_at"])
    record(
        JuryEvent.OPENED,
        actor=actor,
        subject=locked,
        summary=f"Session ouverte, {len(present_ids)} présents.",
    )
    return locked


@transaction.atomic
def declare_interest(item: AgendaItem, *, recused: bool, actor: Actor) -> ConflictDeclaration:
    """Before opening a file a present member declares no conflict of interest, or recuses themselves."""
    session = _open_session_of(item)
    member = _present_member(session, actor)
    if ConflictDeclaration.objects.filter(item=item, member=member).exists():
        raise ValidationError("Vous avez déjà fait votre déclaration pour ce dossier.")
    conflict = conflict_of(member, item.case_file)
    if conflict and not recused:
        raise ValidationError(f"Vous avez été {conflict} : vous devez vous récuser.")
    declaration = ConflictDeclaration.objects.create(item=item, member=member, recused=recused)
    what = "se récuse" if recused else "déclare n'avoir aucun conflit d'intérêts"
    record(JuryEvent.DECLARED, actor=actor, subject=item.case_file, summary=f"{member.user} {what}.")
    return declaration


@transaction.atomic
def decide(
    item: AgendaItem,
    *,
    votes: Mapping[int, str],
    reason: str,
    actor: Actor,
    stated_at_table: Iterable[int] = (),
) -> AgendaItem:
    """Record one round of votes of the members present and not recused (member id → decision) and, if a
    choice has the region's majority (`jury_outcome`), the decision. Without a majority nothing is decided:
    the round is kept, and the members vote again (next round) or adjourn the file. Return and refuse need a
    reason. Every voter has declared no conflict of interest, themselves or aloud at the table
    (`stated_at_table`: member ids the recorder writes down)."""
    locked = _undecided(item)
    session = _open_session_of(locked)
    recorder = _present_member(session, actor)
    declaration = locked.declarations.filter(member=recorder).first()
    if (declaration is None and recorder.pk not in set(stated_at_table)) or (
        declaration and declaration.recused
    ):
        raise PermissionDenied("Déclarez l'absence de conflit d'intérêts avant de décider de ce dossier.")
    voters = voters_for(locked)
    ballot = _checked_ballot(locked, session, voters, votes, set(stated_at_table))
    president = next((m for m in voters if m.is_president), None)
    result = jury_outcome(
        ballot.values(),
        president_vote=ballot[president.pk] if president else None,
        rule=rule_for(session.region),
    )
    reason = (reason or "").strip()
    if result.decision not in (None, Decision.AWARD) and not reason:
        raise ValidationError("Le motif est obligatoire pour un renvoi ou un refus.")
    number = (locked.votes.order_by("-round").values_list("round", flat=True).first() or 0) + 1
    _record_votes(locked, voters, ballot, number, stated_at_table=set(stated_at_table), recorder=actor)
    data = {"session": session.pk, "round": number, "votes": result.counts}
    if result.decision is None:
        record(
            JuryEvent.NO_MAJORITY,
            actor=actor,
            subject=locked.case_file,
            summary=f"Aucune majorité au {round_label(number)} ({tally(result.counts)} sur {len(ballot)} "
            "votants) : rien n'est décidé ; le jury vote à nouveau ou ajourne le dossier.",
            data=data,
        )
        return locked
    locked.decision, locked.reason = result.decision, reason
    locked.decided_at, locked.decided_by = timezone.now(), actor
    locked.save(update_fields=["decision", "reason", "decided_at", "decided_by"])
    summary, data = _decided(result, reason, number, len(ballot), session)
    record(JuryEvent.DECIDED, actor=actor, subject=locked.case_file, summary=summary, data=data)
    return locked


def _decided(
    result: JuryOutcome, reason: str, number: int, cast: int, session: JurySession
) -> tuple[str, dict[str, Any]]:
    """The words and data of a decision's event on the file's timeline."""
    assert result.decision is not None
    summary = (
        f"Décision du jury : {Decision(result.decision).label}"
        + (f" ({reason})" if reason else "")
        + f" — {result.counts[result.decision]} voix sur {cast}"
        + (f", {round_label(number)}" if number > 1 else "")
        + (", voix prépondérante de la présidence" if result.casting_vote else "")
        + "."
    )
    data = {
        "session": session.pk,
        "round": number,
        "votes": result.counts,
        "decision": result.decision,
        "casting_vote": result.casting_vote,
    }
    return summary, data


def _checked_ballot(
    item: AgendaItem,
    session: JurySession,
    voters: list[JuryMember],
    votes: Mapping[int, str],
    stated_at_table: set[int],
) -> dict[int, str]:
    problem = quorum_problem(rule_for(session.region), voters)
    if problem:
        raise ValidationError(problem)
    ballot = {m.pk: votes.get(m.pk) for m in voters}
    if any(choice not in Decision.values for choice in ballot.values()):
        raise ValidationError("Chaque membre présent et non récusé doit voter.")
    if set(votes) - set(ballot):
        raise ValidationError("Un membre récusé, absent ou étranger à la session ne vote pas.")
    declared = set(item.declarations.values_list("member_id", flat=True)) | stated_at_table
    undeclared = [str(m.user) for m in voters if m.pk not in declared]
    if undeclared:
        raise ValidationError(
            f"Déclaration d'absence de conflit d'intérêts manquante : {', '.join(undeclared)}."
        )
    return {pk: str(choice) for pk, choice in ballot.items()}


@transaction.atomic
def adjourn_item(item: AgendaItem, *, reason: str, actor: Actor) -> AgendaItem:
    """Defer an undecided file to a later session (typically after a round without majority), with the reason:
    nothing is decided, the file stays ready for jury and goes on the region's next agenda."""
    locked = _undecided(item)
    session = _open_session_of(locked)
    recorder = _present_member(session, actor)
    if locked.declarations.filter(member=recorder, recused=True).exists():
        raise PermissionDenied("Vous vous êtes récusé·e pour ce dossier : vous ne pouvez pas l'ajourner.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Le motif de l'ajournement est obligatoire.")
    locked.adjourned_at, locked.adjournment_reason, locked.adjourned_by = timezone.now(), reason, actor
    locked.save(update_fields=["adjourned_at", "adjournment_reason", "adjourned_by"])
    rounds = locked.votes.order_by("-round").values_list("round", flat=True).first() or 0
    record(
        JuryEvent.ADJOURNED,
        actor=actor,
        subject=locked.case_file,
        summary=f"Dossier ajourné par le {session} : {reason}. Il sera examiné lors d'une prochaine session.",
        data={"session": session.pk, "reason": reason, "rounds": rounds},
    )
    return locked


@transaction.atomic
def award_recommended(
    session: JurySession, *, actor: Actor, members_declared: bool = False
) -> tuple[int, list[str]]:
    """Award, unanimously, every file still to decide that the officer recommended, once the members present
    have stated they have no conflict of interest with any of them; files the panel cannot decide that way
    (quorum after recusals, a round already voted) are listed and left for a vote one by one.
    Writes what `decide` writes for each file (declarations stated at the table, one ballot per voter, the
    decision and its events) in a few statements for the whole session."""
    locked = JurySession.objects.select_for_update().select_related("region").get(pk=session.pk)
    _ensure_open(locked)
    recorder = _present_member(locked, actor)
    if not members_declared:
        raise ValidationError("Les membres présents doivent déclarer n'avoir aucun conflit d'intérêts.")
    items = list(
        locked.agenda.select_for_update(of=("self",))
        .filter(decision="", adjourned_at=None, recommended=True)
        .select_related("case_file__candidate", "case_file__certification")
    )
    present = list(present_members(locked))
    voters = voters_by_item(items, present)
    voted = set(Vote.objects.filter(item__in=items).values_list("item_id", flat=True))
    rule = rule_for(locked.region)
    decided: list[tuple[AgendaItem, list[JuryMember], JuryOutcome]] = []
    skipped = []
    for item in items:
        ballot = voters[item.pk]
        if recorder not in ballot:
            skipped.append(f"{item.case_file} : vous ne pouvez pas décider de ce dossier.")
        elif item.pk in voted:
            skipped.append(f"{item.case_file} : un tour de vote a déjà eu lieu, votez dossier par dossier.")
        elif problem := quorum_problem(rule, ballot):
            skipped.append(f"{item.case_file} : {problem}")
        else:
            president = next((m for m in ballot if m.is_president), None)
            result = jury_outcome(
                [Decision.AWARD.value] * len(ballot),
                president_vote=Decision.AWARD.value if president else None,
                rule=rule,
            )
            if result.decision:
                decided.append((item, ballot, result))
            else:  # the region's rule did not make even a unanimous vote decisive: never the case by default
                skipped.append(f"{item.case_file} : aucune majorité, votez dossier par dossier.")
    _record_unanimous(locked, decided, actor)
    return len(decided), skipped


def _record_unanimous(
    session: JurySession, decided: list[tuple[AgendaItem, list[JuryMember], JuryOutcome]], actor: Actor
) -> None:
    """The rows and events of `decide` for files voted unanimously at a first round, all at once."""
    if not decided:
        return
    declared = set(
        ConflictDeclaration.objects.filter(item__in=[item for item, _, _ in decided]).values_list(
            "item_id", "member_id"
        )
    )
    stated = [(item, m) for item, ballot, _ in decided for m in ballot if (item.pk, m.pk) not in declared]
    ConflictDeclaration.objects.bulk_create(
        ConflictDeclaration(item=item, member=m, recused=False) for item, m in stated
    )
    file_type = ContentType.objects.get_for_model(CaseFile, for_concrete_model=False)
    record_alike(
        JuryEvent.DECLARED,
        actor=actor,
        subject_type=file_type,
        subject_ids=[item.case_file_id for item, _ in stated],
        labels=[str(item.case_file) for item, _ in stated],
        summaries=[f"{m.user} déclare en séance n'avoir aucun conflit d'intérêts." for _, m in stated],
    )
    Vote.objects.bulk_create(
        Vote(item=item, member=m, round=1, choice=Decision.AWARD)
        for item, ballot, result in decided
        for m in ballot
    )
    AgendaItem.objects.filter(pk__in=[item.pk for item, _, _ in decided], decision="").update(
        decision=Decision.AWARD, reason="", decided_at=timezone.now(), decided_by=actor
    )
    events = [_decided(result, "", 1, len(ballot), session) for _, ballot, result in decided]
    record_alike(
        JuryEvent.DECIDED,
        actor=actor,
        subject_type=file_type,
        subject_ids=[item.case_file_id for item, _, _ in decided],
        labels=[str(item.case_file) for item, _, _ in decided],
        summaries=[summary for summary, _ in events],
        data_each=[data for _, data in events],
    )


@transaction.atomic
def close_session(session: JurySession, *, actor: Actor) -> JurySession:
    """Close an open session once every file on the agenda is decided or adjourned, with the quorum present;
    an adjourned file waits, ready for jury, for a later session."""
    locked = JurySession.objects.select_for_update().get(pk=session.pk)
    _ensure_open(locked)
    _present_member(locked, actor)
    undecided = locked.agenda.filter(decision="", adjourned_at=None).count()
    if undecided:
        raise ValidationError(
            f"{undecided} dossier(s) de l'ordre du jour attendent encore une décision "
            "(un nouveau tour de vote, ou un ajournement motivé)."
        )
    problem = quorum_problem(rule_for(locked.region), locked.members.filter(present=True))
    if problem:
        raise ValidationError(problem)
    locked.status, locked.closed_at = JurySessionStatus.CLOSED, timezone.now()
    locked.save(update_fields=["status", "closed_at"])
    record(JuryEvent.CLOSED, actor=actor, subject=locked, summary="Session close.")
    return locked


def _record_votes(
    item: AgendaItem,
    voters: list[JuryMember],
    ballot: Mapping[int, str],
    number: int,
    *,
    stated_at_table: set[int],
    recorder: Any,
) -> None:
    declared = set(item.declarations.values_list("member_id", flat=True))
    stated = [m for m in voters if m.pk not in declared and m.pk in stated_at_table]
    ConflictDeclaration.objects.bulk_create(
        ConflictDeclaration(item=item, member=m, recused=False) for m in stated
    )
    for member in stated:
        record(
            JuryEvent.DECLARED,
            actor=recorder,
            subject=item.case_file,
            summary=f"{member.user} déclare en séance n'avoir aucun conflit d'intérêts.",
        )
    Vote.objects.bulk_create(Vote(item=item, member=m, round=number, choice=ballot[m.pk]) for m in voters)


def _undecided(item: AgendaItem) -> AgendaItem:
    locked = AgendaItem.objects.select_for_update().select_related("case_file", "session").get(pk=item.pk)
    if locked.decision:
        raise ValidationError("Ce dossier a déjà fait l'objet d'une décision.")
    if locked.adjourned_at:
        raise ValidationError("Ce dossier est ajourné : il sera examiné lors d'une prochaine session.")
    return locked


def _open_session_of(item: AgendaItem) -> JurySession:
    session = JurySession.objects.select_related("region").get(pk=item.session_id)
    _ensure_open(session)
    return session


def _ensure_open(session: JurySession) -> None:
    if session.status == JurySessionStatus.PLANNED:
        raise ValidationError("La session n'est pas encore ouverte.")
    if session.status == JurySessionStatus.CLOSED:
        raise ValidationError("La session est close : plus aucune décision n'est possible.")


def _present_member(session: JurySession, actor: Actor) -> JuryMember:
    member = member_of(session, actor)
    if not member.present:
        raise PermissionDenied("Seul·e un·e membre présent·e à la session peut agir.")
    return member


@transaction.atomic
def attach_minutes(session: JurySession, *, actor: Actor) -> JurySession:
    """At the close, link the session's procès-verbal from every file's timeline (once); its PDF is rendered
    afterwards by the worker (`store_minutes`), or on its first request."""
    locked = JurySession.objects.select_for_update().select_related("region").get(pk=session.pk)
    if locked.status != JurySessionStatus.CLOSED:
        raise ValidationError("Le procès-verbal s'établit à la clôture de la session.")
    url = locked.minutes_url()
    if locked.minutes or AuditEvent.objects.filter(verb=JuryEvent.MINUTES, data__url=url).exists():
        return locked
    items = list(locked.agenda.select_related("case_file__candidate", "case_file__certification"))
    record_alike(
        JuryEvent.MINUTES,
        actor=actor,
        subject_type=ContentType.objects.get_for_model(CaseFile, for_concrete_model=False),
        subject_ids=[item.case_file_id for item in items],
        labels=[str(item.case_file) for item in items],
        summaries=[f"Procès-verbal du {locked} : {_outcome(item)}." for item in items],
        data={"url": url},
    )
    return locked


def _outcome(item: AgendaItem) -> str:
    if item.adjourned:
        return f"ajourné ({item.adjournment_reason})"
    return item.get_decision_display().lower()


def store_minutes(session_id: int) -> bool:
    """Render and store a closed session's procès-verbal once; True if rendered now, False if it already was
    (a redelivered job, or a request that came first). The worker's job, and the minutes page's fallback."""
    from ..documents import render_minutes  # WeasyPrint: loaded only when a document is rendered

    with transaction.atomic():
        locked = JurySession.objects.select_for_update().select_related("region").get(pk=session_id)
        if locked.status != JurySessionStatus.CLOSED:
            raise ValidationError("Le procès-verbal s'établit à la clôture de la session.")
        if locked.minutes:
            return False
        name = f"pv-jury-{locked.region.code}-{locked.held_on:%Y-%m-%d}-{locked.pk}.pdf"
        locked.minutes.save(name, ContentFile(minutes_seal(locked).sign(render_minutes(locked))), save=False)
        locked.save(update_fields=["minutes"])
    return True


def minutes_seal(session: JurySession) -> Seal:
    """How a session's procès-verbal is described where it is signed."""
    return Seal(SignedKind.MINUTES, str(session.pk), f"Procès-verbal du {session}")


seal_files_of(JurySession, "minutes", minutes_seal)
