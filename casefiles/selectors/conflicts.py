"""Conflicts of interest and voters for many files of a session at once (the bulk award): the rule of
`conflict_of` and `voters_for`, in a few queries rather than a few per member and file."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.contrib.contenttypes.models import ContentType

from backoffice.core.audit.models import AuditEvent
from casefiles.models import AgendaItem, Assessment, CaseFile, ConflictDeclaration, JuryMember, TrainingPlan

__all__ = ["conflicts_among", "voters_by_item"]


ASSESSOR = "évaluateur·rice de ce dossier"
TRAINER = "formateur·rice de ce dossier"
INVOLVED = "intervenu·e dans l'instruction de ce dossier"


def conflicts_among(
    members: Sequence[JuryMember], case_file_ids: Sequence[int]
) -> dict[tuple[int, int], str]:
    """(member id, file id) → the other role the member played on the file: assessor, trainer, any recorded
    action but the jury's own, or the officer's check — the one rule of conflicts of interest, for one file
    (`conflict_of`) or a whole agenda, in a few queries."""
    seats: dict[int, list[int]] = {}
    for member in members:
        seats.setdefault(member.user_id, []).append(member.pk)
    files = list(case_file_ids)
    if not seats or not files:
        return {}
    users = list(seats)
    acted = (
        AuditEvent.objects.filter(
            subject_type=ContentType.objects.get_for_model(CaseFile, for_concrete_model=False),
            subject_id__in=[str(pk) for pk in files],
            actor_id__in=users,
        )
        .exclude(verb__startswith="casefile.jury")
        .exclude(verb="casefile.returned_by_jury")
        .values_list("subject_id", "actor_id")
        .distinct()
    )
    rows: list[tuple[str, Iterable[tuple[int | str, int]]]] = [  # the weakest first: the strongest wins
        (INVOLVED, acted),
        (
            INVOLVED,
            AgendaItem.objects.filter(case_file_id__in=files, checked_by_id__in=users)
            .values_list("case_file_id", "checked_by_id")
            .distinct(),
        ),
        (
            TRAINER,
            TrainingPlan.objects.filter(case_file_id__in=files, trainer_id__in=users)
            .values_list("case_file_id", "trainer_id")
            .distinct(),
        ),
        (
            ASSESSOR,
            Assessment.objects.filter(case_file_id__in=files, assessor_id__in=users)
            .values_list("case_file_id", "assessor_id")
            .distinct(),
        ),
    ]
    return {
        (member, int(case_file)): role
        for role, query in rows
        for case_file, user in query
        for member in seats[user]
    }


def voters_by_item(items: Sequence[AgendaItem], present: Sequence[JuryMember]) -> dict[int, list[JuryMember]]:
    """For each item, the members present who may vote on it (`voters_for`): not recused, no other role on
    the file; in the order of `present`."""
    recused: dict[int, set[int]] = {}
    for item_id, member_id in ConflictDeclaration.objects.filter(
        item__in=[item.pk for item in items], recused=True
    ).values_list("item_id", "member_id"):
        recused.setdefault(item_id, set()).add(member_id)
    conflicts = conflicts_among(present, [item.case_file_id for item in items])
    return {
        item.pk: [
            m
            for m in present
            if m.pk not in recused.get(item.pk, set()) and (m.pk, item.case_file_id) not in conflicts
        ]
        for item in items
    }
