"""Opening and updating many case files at once (imports): the rows `open_case_file` writes, in batches.

The caller has checked every row with the same rules (scope, accreditation on the day, dates, one open
file per certification) and holds the import's transaction; this module only writes, and audits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType

from backoffice.audit.events import event, record_many

from ..events import CaseFileEvent
from ..models import Candidate, CaseFile, DomainAcquisition

BATCH_SIZE = 1000
CANDIDATE_FIELDS = (
    "last_name",
    "first_name",
    "birth_date",
    "sex",
    "email",
    "phone",
    "postcode",
    "status",
    "sector",
)
FILE_FIELDS = ("referrer", "opened_on")


@dataclass
class FileToOpen:
    reference: str
    site: Any
    certification: Any
    framework_id: int
    domain_ids: list[int]
    opened_on: dt.date
    referrer: str
    candidate_id: int | None  # a person already known (same name, first name and birth date)
    candidate_data: dict[str, Any] = field(default_factory=dict)


@dataclass
class FileUpdate:
    case_file_id: int
    candidate_id: int
    label: str
    changes: dict[str, tuple[Any, Any]]  # field -> (old, new)


def open_case_files_in_bulk(files: list[FileToOpen], *, actor: Any, source: dict[str, Any]) -> list[CaseFile]:
    """Create the candidates not yet known, the files, their domain grids and their "opened" events."""
    new_people: dict[tuple[str, str, dt.date], Candidate] = {}
    for item in files:
        if item.candidate_id is None:
            data = item.candidate_data
            key = (data["last_name"].lower(), data["first_name"].lower(), data["birth_date"])
            new_people.setdefault(key, Candidate(**data))
    Candidate.objects.bulk_create(new_people.values(), batch_size=BATCH_SIZE)
    case_files = []
    for item in files:
        if item.candidate_id is None:
            data = item.candidate_data
            key = (data["last_name"].lower(), data["first_name"].lower(), data["birth_date"])
            candidate_id = new_people[key].pk
        else:
            candidate_id = item.candidate_id
        case_files.append(
            CaseFile(
                candidate_id=candidate_id,
                certification=item.certification,
                framework_version_id=item.framework_id,
                evaluation_site=item.site,
                opened_on=item.opened_on,
                referrer=item.referrer,
                reference=item.reference,
            )
        )
    CaseFile.objects.bulk_create(case_files, batch_size=BATCH_SIZE)
    DomainAcquisition.objects.bulk_create(
        (
            DomainAcquisition(case_file_id=case_file.pk, domain_id=domain_id)
            for case_file, item in zip(case_files, files, strict=True)
            for domain_id in item.domain_ids
        ),
        batch_size=BATCH_SIZE,
    )
    content_type = ContentType.objects.get_for_model(CaseFile)
    labels = _labels([case_file.candidate_id for case_file in case_files])
    record_many(
        [
            event(
                CaseFileEvent.OPENED,
                actor=actor,
                subject_type=content_type,
                subject_id=case_file.pk,
                subject_label=f"{labels[case_file.candidate_id]} – {item.certification}",
                summary=f"Dossier {item.certification} ouvert à {item.site.name} "
                f"le {item.opened_on:%d/%m/%Y}.",
                data=source,
            )
            for case_file, item in zip(case_files, files, strict=True)
        ]
    )
    return case_files


def update_case_files_in_bulk(updates: list[FileUpdate], *, actor: Any, source: dict[str, Any]) -> None:
    """Apply the changed fields of existing files and their candidates; the trail says what changed."""
    candidates = Candidate.objects.in_bulk([u.candidate_id for u in updates])
    files = CaseFile.objects.in_bulk([u.case_file_id for u in updates])
    for update in updates:
        for name, (_old, new) in update.changes.items():
            target = (
                candidates[update.candidate_id] if name in CANDIDATE_FIELDS else files[update.case_file_id]
            )
            setattr(target, name, new)
    Candidate.objects.bulk_update(candidates.values(), CANDIDATE_FIELDS, batch_size=BATCH_SIZE)
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
                summary="Mis à jour par import : " + ", ".join(sorted(update.changes)) + ".",
                data={
                    **source,
                    "changes": {k: [_shown(o), _shown(n)] for k, (o, n) in update.changes.items()},
                },
            )
            for update in updates
        ]
    )


def _labels(candidate_ids: list[int]) -> dict[int, str]:
    return {
        c.pk: str(c)
        for c in Candidate.objects.filter(pk__in=set(candidate_ids)).only("last_name", "first_name")
    }


def _shown(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value
