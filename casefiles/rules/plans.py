"""What makes a training plan acceptable, and how the trail names it: plain values in, messages out (the
form's service and the bulk path of the demo and imports both ask here)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

MAX_PLAN_HOURS = 1000


@dataclass(frozen=True)
class PlanFacts:
    """What the rules need to know of the file, the training site and the trainer, read beforehand."""

    to_train: frozenset[int]  # the ids of the file's domains still to train
    expires_on: dt.date | None  # the end of the file's 5-year window
    last_assessed_on: dt.date | None  # the file's latest assessment
    trainer_belongs: bool  # an active trainer (or evaluator) of the training site's organisation
    # None when the certification does not require an accredited trainer (or the dates are reversed)
    accredited_throughout: bool | None


def plan_errors(
    facts: PlanFacts,
    domains: Sequence[Any],
    hours: int,
    starts_on: dt.date,
    ends_on: dt.date,
    *,
    site_name: str,
    certification: Any,
) -> list[str]:
    """Every reason the plan is refused (none: it may be recorded), in the form's order."""
    errors = []
    if not domains:
        errors.append("Choisissez au moins un domaine à former.")
    errors += [
        f"Le domaine {d.code} est déjà acquis ou hors du référentiel : il ne peut pas être visé."
        for d in domains
        if d.pk not in facts.to_train
    ]
    if not hours or hours <= 0:
        errors.append("Le nombre d'heures de formation doit être supérieur à zéro.")
    elif hours > MAX_PLAN_HOURS:
        errors.append(f"Un plan de formation compte au plus {MAX_PLAN_HOURS} heures.")
    if facts.expires_on and ends_on > facts.expires_on:
        errors.append(
            f"La formation doit se terminer avant la fin du délai de 5 ans ({facts.expires_on:%d/%m/%Y})."
        )
    last = facts.last_assessed_on
    if last and starts_on < last:
        errors.append(f"La formation ne peut pas commencer avant la dernière évaluation ({last:%d/%m/%Y}).")
    if ends_on < starts_on:
        errors.append("La fin de la formation ne peut pas précéder son début.")
    if not facts.trainer_belongs:
        errors.append("Le·la formateur·rice doit faire partie de l'organisme de formation choisi.")
    if facts.accredited_throughout is False:
        errors.append(
            f"{site_name} n'est pas habilité comme organisme de formation pour {certification} "
            f"sur toute la durée de la formation (du {starts_on:%d/%m/%Y} au {ends_on:%d/%m/%Y})."
        )
    return errors


def plan_codes(domains: Iterable[Any]) -> str:
    """The plan's domains as the trail lists them: "D3, D5", in the framework's order."""
    return ", ".join(d.code for d in sorted(domains, key=lambda d: d.position))


def plan_trail(
    number: int,
    codes: str,
    hours: int,
    site_name: str,
    starts_on: dt.date,
    ends_on: dt.date,
) -> tuple[str, dict[str, Any]]:
    """The "training planned" event's summary and data."""
    summary = (
        f"Plan de formation n° {number} : {codes}, {hours} h, {site_name}, "
        f"du {starts_on:%d/%m/%Y} au {ends_on:%d/%m/%Y}."
    )
    return summary, {"plan": number, "domains": codes, "hours": hours}
