"""Opening and updating many case files at once (imports): the rows `open_case_file` writes, in batches.

The caller has checked every row with the same rules (scope, accreditation on the day, dates, one open
file per certification) and holds the import's transaction; this module only writes, and audits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType

from backoffice.core.accounts.types import Actor
from backoffice.core.audit.events import event, record_alike, record_many
from backoffice.core.bulksql import index_lookups, insert_alike, insert_rows, update_matching, update_rows
from casefiles.rules.acquisition import AssessmentOutcome, acquired_codes, domain_result
from casefiles.rules.dates import act_batch, act_moment, add_years
from casefiles.rules.identity import identity_key
from casefiles.rules.plans import plan_codes, plan_trail
from casefiles.rules.trail import FILE_FIELDS, changes_text, entered_by, on_behalf_data

from ..events import CaseFileEvent
from ..models import (
    Assessment,
    AssessmentKind,
    Candidate,
    CaseFile,
    CaseFileState,
    DomainAcquisition,
    DomainStatus,
    TrainingPlan,
)
from ..selectors import people_with_identities
from .assessments import (
    ACQUISITION_YEARS,
    FINAL_LABEL,
    POSITIONING_LABEL,
    READY_FOR_JURY_SUMMARY,
    assessment_trail,
)
from .identity import lock_identities
from .plans import plans_so_far
from .transmissions import IDENTITY_SENT, requeue_corrected

BATCH_SIZE = 1000


@dataclass
class FileToOpen:
    reference: str
    site: Any
    certification: Any
    framework_id: int
    domain_ids: list[int]
    opened_on: dt.date
    referrer: str
    candidate_id: int | None  # a person already known (the identity rule: casefiles/identity.py)
    candidate_data: dict[str, Any] = field(default_factory=dict)
    funding: str = ""
    funding_note: str = ""  # the funder as written when the list says less ("OPCO EP", "Agefiph")
    on_behalf_of: str = ""  # the organisation a case officer enters the file for ("pour le compte de")


@dataclass
class FileUpdate:
    case_file_id: int
    candidate_id: int
    label: str
    changes: dict[str, tuple[Any, Any]]  # field -> (old, new)
    on_behalf_of: str = ""


def open_case_files_in_bulk(
    files: list[FileToOpen],
    *,
    process_ids: Sequence[int],
    actor: Actor,
    source: dict[str, Any],
    identities_locked: bool = False,
) -> list[int]:
    """Create the candidates not yet known, the files (each carried by its process, started by
    `workflows.pathway.bulk.start_pathways`), their domain grids and their "opened" events; returns the
    files' ids.

    `identities_locked`: the caller took the new people's identity locks (`lock_identities`) in this
    transaction before looking them up; otherwise they are taken and the people looked up again here.
    The rows are built as tuples, not model objects: at 100,000 rows, objects were a third of the time.
    Inside a takeover (`recovered`), the new people and files carry its batch and the people its date."""
    if not identities_locked:
        _claim_new_people(files)
    people: dict[str, int] = {}  # a new person's identity key -> their place in `new`
    new: list[dict[str, Any]] = []
    for item in files:
        if item.candidate_id is None:
            key = _identity(item.candidate_data)
            if key not in people:
                people[key] = len(new)
                new.append(item.candidate_data)
    columns: dict[str, Any] = {name: [person[name] for person in new] for name in Candidate.FIELDS}
    columns["identity_key"] = [_identity(person) for person in new]
    batch = act_batch()
    new_ids = insert_alike(Candidate(created_at=act_moment(), legacy_batch_id=batch), len(new), **columns)
    candidate_ids = [item.candidate_id or new_ids[people[_identity(item.candidate_data)]] for item in files]
    file_ids = insert_alike(
        CaseFile(legacy_batch_id=batch),
        len(files),
        candidate=candidate_ids,
        certification=[item.certification.pk for item in files],
        framework_version=[item.framework_id for item in files],
        evaluation_site=[item.site.pk for item in files],
        opened_on=[item.opened_on for item in files],
        status_at_opening=_statuses(files),
        referrer=[item.referrer for item in files],
        funding=[item.funding for item in files],
        funding_note=[item.funding_note for item in files],
        reference=[item.reference for item in files],
        process=process_ids,
    )
    _create_grids(
        [
            (file_id, domain_id)
            for file_id, item in zip(file_ids, files, strict=True)
            for domain_id in item.domain_ids
        ]
    )
    # The new people's names are at hand: only the people already known are read back.
    labels = {pk: _name(person) for pk, person in zip(new_ids, new, strict=True)}
    labels |= _labels([item.candidate_id for item in files if item.candidate_id is not None])
    record_alike(
        CaseFileEvent.OPENED,
        actor=actor,
        subject_type=ContentType.objects.get_for_model(CaseFile),
        subject_ids=file_ids,
        labels=[
            f"{labels[pk]} – {item.certification}" for pk, item in zip(candidate_ids, files, strict=True)
        ],
        summaries=[
            f"Dossier {item.certification} ouvert à {item.site.name} le {item.opened_on:%d/%m/%Y}."
            + entered_by(actor, item.on_behalf_of)
            for item in files
        ],
        data_each=[{**source, **on_behalf_data(item.on_behalf_of)} for item in files],
    )
    return file_ids


def _statuses(files: list[FileToOpen]) -> list[str]:
    """Each file's status at the opening: as the row gives it, else as the known person's record says (read
    only for those rows: an import's rows all give one)."""
    missing = {
        item.candidate_id for item in files if not item.candidate_data.get("status") and item.candidate_id
    }
    known = dict(Candidate.objects.filter(pk__in=missing).values_list("pk", "status")) if missing else {}
    return [item.candidate_data.get("status") or known.get(item.candidate_id or 0, "") for item in files]


def _claim_new_people(files: list[FileToOpen]) -> None:
    """Lock the identities of the people the caller found nobody for, then look them up again: a form or
    another import may have recorded one since (it held the same lock), and that record is the person.
    Two statements a batch, whatever its size; a file then opened twice for one certification is refused
    by the database (`casefile_one_open_per_certification`)."""
    keys = {_identity(item.candidate_data) for item in files if item.candidate_id is None}
    if not keys:
        return
    lock_identities(keys)
    known = people_with_identities(keys)
    if known:
        for item in files:
            if item.candidate_id is None:
                item.candidate_id = known.get(_identity(item.candidate_data), (None, ""))[0]


def _identity(person: dict[str, Any]) -> str:
    return identity_key(person["last_name"], person["first_name"], person["birth_date"])


def _name(person: dict[str, Any]) -> str:
    return Candidate.display_name(person["last_name"], person["first_name"])


def update_case_files_in_bulk(updates: list[FileUpdate], *, actor: Actor, source: dict[str, Any]) -> None:
    """Apply the changed fields of existing files and their candidates; the trail says what changed."""
    candidates = Candidate.objects.in_bulk([u.candidate_id for u in updates])
    files = CaseFile.objects.in_bulk([u.case_file_id for u in updates])
    for update in updates:
        for name, (_old, new) in update.changes.items():
            target = (
                candidates[update.candidate_id] if name in Candidate.FIELDS else files[update.case_file_id]
            )
            setattr(target, name, new)
    Candidate.objects.bulk_update(candidates.values(), Candidate.FIELDS, batch_size=BATCH_SIZE)
    CaseFile.objects.bulk_update(files.values(), FILE_FIELDS, batch_size=BATCH_SIZE)
    content_type = ContentType.objects.get_for_model(CaseFile)
    record_many(
        [
            event(
                CaseFileEvent.UPDATED,
                actor=actor,
                subject_type=content_type,
                subject_id=update.case_file_id,
                subject_label=update.label,
                summary="Mis à jour par import : "
                + changes_text(update.changes)
                + "."
                + entered_by(actor, update.on_behalf_of),
                data={
                    **source,
                    **on_behalf_data(update.on_behalf_of),
                    "changes": {k: [_shown(o), _shown(n)] for k, (o, n) in update.changes.items()},
                },
            )
            for update in updates
        ]
    )
    # A holder the SI CPF rejected, whose identity as sent the file corrects, is sent again (and only then).
    corrected = {u.candidate_id for u in updates if set(u.changes) & set(IDENTITY_SENT)}
    if corrected:
        requeue_corrected(actor=actor, candidate_ids=corrected)


def _create_grids(cells: list[tuple[int, int]]) -> None:
    """One not-assessed row per (file, domain), as `open_case_file` writes them. Six or seven rows a file,
    each prepared field by field by bulk_create, were the largest share of an import's time."""
    status = DomainAcquisition._meta.get_field("status").get_default()
    insert_rows(
        DomainAcquisition,
        ["case_file_id", "domain_id", "status"],
        ((file_id, domain_id, status) for file_id, domain_id in cells),
    )


def _labels(candidate_ids: list[int]) -> dict[int, str]:
    return {
        c.pk: str(c)
        for c in Candidate.objects.filter(pk__in=set(candidate_ids)).only("last_name", "first_name")
    }


def _shown(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


@dataclass
class PositioningToRecord:
    case_file: CaseFile  # locked by the caller, waiting for its positioning
    assessed_on: dt.date
    assessor: Any
    actor: Actor
    outcome: AssessmentOutcome  # `evaluate` of the row's results against the file's framework
    on_behalf_of: str = ""  # the organisation Certif'Pro staff entered it for (`ensure_may_enter`)


@dataclass
class FinalEvaluationToRecord:
    case_file: CaseFile  # locked by the caller, waiting for its final evaluation
    plan: TrainingPlan  # the file's latest plan (`latest_plans`)
    assessed_on: dt.date
    assessor: Any
    actor: Actor
    outcome: AssessmentOutcome  # `evaluate` of the results against the plan's domains
    on_behalf_of: str = ""


@dataclass
class PlanToRecord:
    case_file: CaseFile  # locked by the caller, waiting for its training plan
    training_site: Any
    trainer: Any
    domains: list[Any]
    hours: int
    starts_on: dt.date
    ends_on: dt.date
    actor: Actor


def record_positionings_in_bulk(entries: list[PositioningToRecord]) -> None:
    """What `record_positioning` writes, for many files: assessments, results, domain grids, the files'
    new state and their events (the caller checked people, dates and rules with the same functions).
    Rows are written from tuples, the grid without being read: model objects were half the time."""
    assessment_ids = _insert_assessments(AssessmentKind.POSITIONING, entries)
    missing = _apply_grids(assessment_ids, entries)
    for entry in entries:
        entry.case_file.positioned_on = entry.assessed_on
        entry.case_file.expires_on = add_years(entry.assessed_on, ACQUISITION_YEARS)
    _move_on(entries, missing, ["positioned_on", "expires_on"])
    _record_assessed(
        CaseFileEvent.POSITIONED, POSITIONING_LABEL, list(zip(assessment_ids, entries, strict=True))
    )


def record_final_evaluations_in_bulk(entries: list[FinalEvaluationToRecord]) -> None:
    """What `record_final_evaluation` writes, for many files: the assessments of their plans' domains, the
    grids, the files' new state (ready for jury, or to train again) and their events."""
    assessment_ids = _insert_assessments(AssessmentKind.FINAL, entries, [e.plan.pk for e in entries])
    missing = _apply_grids(assessment_ids, entries)
    _move_on(entries, missing, [])
    _record_assessed(
        CaseFileEvent.FINAL_EVALUATED, FINAL_LABEL, list(zip(assessment_ids, entries, strict=True))
    )


Assessed = PositioningToRecord | FinalEvaluationToRecord


def _insert_assessments(
    kind: str, entries: Sequence[Assessed], plans: Sequence[int | None] | None = None
) -> list[int]:
    return insert_alike(
        Assessment(kind=kind, recorded_at=act_moment()),
        len(entries),
        case_file=[e.case_file.pk for e in entries],
        assessed_on=[e.assessed_on for e in entries],
        assessor=[e.assessor.pk for e in entries],
        training_plan=plans or [None] * len(entries),
        results=[e.outcome.results for e in entries],
        criteria=[e.outcome.criteria for e in entries],
        decided_by_criteria=[e.outcome.decided_by_criteria for e in entries],
    )


def _apply_grids(assessment_ids: list[int], entries: Sequence[Assessed]) -> set[int]:
    """Each assessed domain's row of the grid (`domain_result`, as `set_domain_result`); returns the files
    with a domain still not acquired."""
    update_matching(
        DomainAcquisition,
        ["case_file", "domain"],
        ["status", "acquired_on", "source"],
        [
            (e.case_file.pk, domain_id, *domain_result(acquired, e.assessed_on), assessment_id)
            for assessment_id, e in zip(assessment_ids, entries, strict=True)
            for domain_id, acquired in e.outcome.domains.items()
        ],
    )
    with index_lookups():
        return set(
            DomainAcquisition.objects.filter(case_file_id__in=[e.case_file.pk for e in entries])
            .exclude(status=DomainStatus.ACQUIRED)
            .values_list("case_file_id", flat=True)
        )


def _move_on(entries: Sequence[Assessed], missing: set[int], fields: list[str]) -> None:
    """The files' next state (`assessments._move_on`): to train while a domain is missing, else ready."""
    for entry in entries:
        case_file = entry.case_file
        if case_file.pk in missing:
            case_file.state = CaseFileState.TRAINING
        else:
            case_file.state, case_file.ready_for_jury_on = CaseFileState.READY_FOR_JURY, entry.assessed_on
    update_rows(CaseFile, [e.case_file for e in entries], [*fields, "state", "ready_for_jury_on"])


def _record_assessed(verb: str, label: str, pairs: list[tuple[int, Assessed]]) -> None:
    """The events the services write: the assessment's, then ready for jury when nothing is left."""
    subject_type = ContentType.objects.get_for_model(CaseFile)
    for actor, group in _by_actor(pairs):
        trails = [
            assessment_trail(
                label,
                e.outcome,
                assessment_id=pk,
                actor=actor,
                on_behalf=e.on_behalf_of,
                plan_number=e.plan.number if isinstance(e, FinalEvaluationToRecord) else None,
                acquired=acquired,
            )
            for pk, e, acquired in group
        ]
        record_alike(
            verb,
            actor=actor,
            subject_type=subject_type,
            subject_ids=[e.case_file.pk for _, e, _ in group],
            labels=[str(e.case_file) for _, e, _ in group],
            summaries=[summary for summary, _ in trails],
            data_each=[data for _, data in trails],
        )
        ready = [e.case_file for _, e, _ in group if e.case_file.state == CaseFileState.READY_FOR_JURY]
        record_alike(
            CaseFileEvent.READY_FOR_JURY,
            actor=actor,
            subject_type=subject_type,
            subject_ids=[case_file.pk for case_file in ready],
            labels=[str(case_file) for case_file in ready],
            summaries=[READY_FOR_JURY_SUMMARY] * len(ready),
        )


def _by_actor(
    pairs: list[tuple[int, Assessed]],
) -> Iterable[tuple[Any, list[tuple[int, Assessed, list[str]]]]]:
    """The entries by who acts (one event template each), with their acquired domains' codes."""
    groups: dict[Any, tuple[Any, list[tuple[int, Assessed, list[str]]]]] = {}
    for assessment_id, entry in pairs:
        key = getattr(entry.actor, "pk", None)
        groups.setdefault(key, (entry.actor, []))[1].append(
            (assessment_id, entry, acquired_codes(entry.outcome))
        )
    return groups.values()


def record_training_plans_in_bulk(entries: list[PlanToRecord]) -> None:
    """What `record_training_plan` writes, for many files: the plans numbered after the file's earlier ones,
    their domains, the files awaiting their final evaluation, and the events."""
    so_far = plans_so_far([e.case_file.pk for e in entries])
    numbers = [so_far[e.case_file.pk] + 1 for e in entries]
    plan_ids = insert_alike(
        TrainingPlan(created_at=act_moment()),
        len(entries),
        case_file=[e.case_file.pk for e in entries],
        number=numbers,
        training_site=[e.training_site.pk for e in entries],
        trainer=[e.trainer.pk for e in entries],
        hours=[e.hours for e in entries],
        starts_on=[e.starts_on for e in entries],
        ends_on=[e.ends_on for e in entries],
    )
    insert_rows(
        TrainingPlan.domains.through,
        ["trainingplan", "domain"],
        [(plan_id, d.pk) for plan_id, e in zip(plan_ids, entries, strict=True) for d in e.domains],
    )
    for entry in entries:
        entry.case_file.state = CaseFileState.FINAL_EVALUATION
    file_ids = [e.case_file.pk for e in entries]
    for start in range(0, len(file_ids), BATCH_SIZE):  # one value for all: no row by row
        CaseFile.objects.filter(pk__in=file_ids[start : start + BATCH_SIZE]).update(
            state=CaseFileState.FINAL_EVALUATION
        )
    subject_type = ContentType.objects.get_for_model(CaseFile)
    groups: dict[Any, tuple[Any, list[tuple[int, PlanToRecord]]]] = {}
    for number, entry in zip(numbers, entries, strict=True):
        groups.setdefault(getattr(entry.actor, "pk", None), (entry.actor, []))[1].append((number, entry))
    for actor, group in groups.values():
        trails = [
            plan_trail(number, plan_codes(e.domains), e.hours, e.training_site.name, e.starts_on, e.ends_on)
            for number, e in group
        ]
        record_alike(
            CaseFileEvent.TRAINING_PLANNED,
            actor=actor,
            subject_type=subject_type,
            subject_ids=[e.case_file.pk for _, e in group],
            labels=[str(e.case_file) for _, e in group],
            summaries=[summary for summary, _ in trails],
            data_each=[data for _, data in trails],
        )
