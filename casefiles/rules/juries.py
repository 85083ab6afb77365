"""The jury's rules, pure: the majority a decision needs (and the president's casting vote), the quorum,
how a round's votes read, and the cut-off date of a session's agenda."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import NamedTuple

from casefiles.models import Decision, JuryMember, JuryRule, Majority

SHORT = {Decision.AWARD: "attribution", Decision.RETURN: "renvoi", Decision.REFUSE: "refus"}


class JuryOutcome(NamedTuple):
    """What a round of votes decides: the decision, or None when no choice has the required majority."""

    decision: str | None
    counts: dict[str, int]
    casting_vote: bool = False


def jury_outcome(votes: Iterable[str], *, president_vote: str | None, rule: JuryRule) -> JuryOutcome:
    """The one rule of every jury decision: a choice needs the region's majority of the votes cast (members
    present and not recused; by default more than half); the president's vote breaks an exact tie between two
    choices only (2/2, not 1/1/1 nor 2/2/1), and only under the absolute majority; otherwise nothing is
    decided."""
    counts = dict(Counter(votes).most_common())
    cast = sum(counts.values())
    if not cast:
        return JuryOutcome(None, counts)
    choice, top = next(iter(counts.items()))
    if (3 * top >= 2 * cast) if rule.majority == Majority.TWO_THIRDS else (2 * top > cast):
        return JuryOutcome(choice, counts)
    two_way_tie = len(counts) == 2 and len(set(counts.values())) == 1
    casting = rule.president_casting_vote and rule.majority == Majority.ABSOLUTE  # a tie is half the votes
    if casting and two_way_tie and president_vote in counts:
        return JuryOutcome(president_vote, counts, casting_vote=True)
    return JuryOutcome(None, counts)


def tally(counts: Mapping[str, int]) -> str:
    """A round's votes in French, e.g. « attribution 2, renvoi 1, refus 1 »."""
    order = list(Decision.values)
    ranked = sorted(counts.items(), key=lambda pair: (-pair[1], order.index(pair[0])))
    return ", ".join(f"{SHORT[Decision(choice)]} {count}" for choice, count in ranked)


def round_label(number: int) -> str:
    return "1er tour" if number == 1 else f"{number}e tour"


def quorum_problem(rule: JuryRule, voters: Iterable[JuryMember]) -> str | None:
    """Why these members cannot decide under the region's rule (too few, or a college missing), or None when
    the quorum is met."""
    voters = list(voters)
    if len(voters) < rule.min_present:
        return f"Quorum non atteint : {len(voters)} membre(s) pour {rule.min_present} requis."
    colleges = Counter(member.college for member in voters)
    for college, label in (("employers", "employeurs"), ("employees", "salariés")):
        if colleges[college] < rule.min_per_college:
            return f"Quorum non atteint : le collège {label} n'est pas représenté."
    return None


def working_days_before(day: dt.date, count: int) -> dt.date:
    """`count` working days (Monday to Friday) before `day`."""
    while count > 0:
        day -= dt.timedelta(days=1)
        if day.weekday() < 5:
            count -= 1
    return day
