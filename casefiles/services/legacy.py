"""Taking over the certificates the old system issued (`certificats_historiques` import): for each one, its
holder (found by the identity rule, or created), a closed case file "certifié (reprise)" without a pathway
process, the historical jury session of its region and day, the certificate under its number as issued, the
series counters moved past it, and the file's events dated on their historical days and marked « repris de
l'ancien système ». Every row written carries the migration batch (`legacy_batch`).

The caller checked each certificate (dates, identity, numbers against the file and the base) and holds the
import's transaction; this module only writes — a few statements per table and batch, whatever its size."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection

from backoffice.core.accounts.types import Actor
from backoffice.core.audit.events import historical_moment, record_alike, recovered
from backoffice.core.bulksql import index_lookups, insert_alike
from casefiles.rules.identity import identity_key

from ..events import CaseFileEvent, CertificateEvent
from ..models import (
    Candidate,
    CaseFile,
    CaseFileState,
    CdcStatus,
    Certificate,
    CertificateStatus,
    JurySession,
    JurySessionStatus,
)
from ..selectors import people_with_identities
from .certificates import advance_counters

OLD_FORMAT_NOTE = "Numéro dans un format de l'ancien système, repris tel quel."


@dataclass
class CertificateToTakeOver:
    number: str  # as issued
    certification: Any  # Certification
    framework_id: int  # the version in force on the award day (`casefiles.rules.takeover.version_in_force`)
    region: Any  # Region of the jury
    site: Any  # Site of the evaluation
    jury_on: dt.date
    awarded_on: dt.date
    person: dict[str, Any]  # last_name, first_name, birth_date, sex; optionally Candidate.BIRTH_FIELDS
    candidate_id: int | None = None  # a person already known (the identity rule)
    revoked_on: dt.date | None = None
    revocation_reason: str = ""
    exported_on: dt.date | None = None
    old_format: bool = False  # a number not in this back-office's form (reported on the file's timeline)

    @property
    def identity(self) -> str:
        return identity_key(self.person["last_name"], self.person["first_name"], self.person["birth_date"])

    @property
    def label(self) -> str:
        name = Candidate.display_name(self.person["last_name"], self.person["first_name"])
        return f"{name} – {self.certification}"


def take_over_certificates(
    items: Sequence[CertificateToTakeOver],
    *,
    batch_id: int,
    actor: Actor,
    source: dict[str, Any],
    people_locked: bool = False,
) -> list[int]:
    """Write the certificates taken over from the old system, with their holders, files, sessions and
    events; returns the certificates' ids. `people_locked`: the caller took `lock_people` in this transaction
    before looking the holders up (else it is taken here, and the new people looked up again)."""
    if not items:
        return []
    if not people_locked:
        _claim_new_people(items)
    sessions = historical_sessions({(item.region.pk, item.jury_on) for item in items}, batch_id=batch_id)
    candidate_ids = _holders(items, batch_id)
    file_ids = insert_alike(
        CaseFile(state=CaseFileState.CERTIFIED, legacy_batch_id=batch_id),
        len(items),
        candidate=candidate_ids,
        certification=[item.certification.pk for item in items],
        framework_version=[item.framework_id for item in items],
        evaluation_site=[item.site.pk for item in items],
        opened_on=[item.jury_on for item in items],
        # `status_at_opening` stays empty: the old system did not record the status at entry.
        closed_on=[item.awarded_on for item in items],
        closing_reason=[_closing_reason(item) for item in items],
    )
    certificate_ids = insert_alike(
        Certificate(legacy_batch_id=batch_id),
        len(items),
        case_file=file_ids,
        number=[item.number for item in items],
        certification=[item.certification.pk for item in items],
        region=[item.region.pk for item in items],
        session=[sessions[(item.region.pk, item.jury_on)] for item in items],
        # The holder's names as the old system printed them (the row's): the person's record may spell them
        # otherwise (same identity under the rule), the certificate stays as issued.
        holder_last_name=[item.person["last_name"] for item in items],
        holder_first_name=[item.person["first_name"] for item in items],
        awarded_on=[item.awarded_on for item in items],
        status=[CertificateStatus.REVOKED if item.revoked_on else CertificateStatus.ISSUED for item in items],
        issued_at=[historical_moment(item.awarded_on) for item in items],
        revoked_at=[_moment(item.revoked_on) for item in items],
        revocation_reason=[item.revocation_reason for item in items],
        exported_at=[_moment(item.exported_on) for item in items],
        # Transmitted by the old system: presumed on the SI CPF (docs/certificates.md); else still to send.
        cdc_status=[CdcStatus.ACCEPTED if item.exported_on else CdcStatus.TO_SEND for item in items],
        cdc_status_at=[_moment(item.exported_on) for item in items],
    )
    advance_counters(item.number for item in items)
    _record_history(items, file_ids, certificate_ids, batch_id=batch_id, actor=actor, source=source)
    return certificate_ids


def historical_sessions(
    pairs: Iterable[tuple[int, dt.date]], *, batch_id: int
) -> dict[tuple[int, dt.date], int]:
    """The historical session of each (region, day): one per region and day, whatever the batch that took
    it over (a file imported again, another file of the same juries finds it); created closed if missing."""
    wanted = sorted(set(pairs))
    found: dict[tuple[int, dt.date], int] = {}
    with index_lookups():
        for pk, region_id, held_on in (
            JurySession.objects.filter(
                legacy_batch__isnull=False,
                region_id__in={region for region, _ in wanted},
                held_on__in={day for _, day in wanted},
            )
            .order_by("pk")
            .values_list("pk", "region_id", "held_on")
        ):
            found.setdefault((region_id, held_on), pk)
    missing = [pair for pair in wanted if pair not in found]
    if not missing:
        return found
    moments = [historical_moment(day) for _, day in missing]
    ids = insert_alike(
        JurySession(status=JurySessionStatus.CLOSED, legacy_batch_id=batch_id),
        len(missing),
        region=[region for region, _ in missing],
        held_on=[day for _, day in missing],
        cutoff_on=[day for _, day in missing],
        opened_at=moments,
        closed_at=moments,
    )
    found.update(zip(missing, ids, strict=True))
    return found


def lock_people() -> None:
    """Until the transaction ends, nobody else creates, renames or deletes a person (a form, an import, the
    rectification wait); reading them is not held up. The takeover's way to keep one person one record:
    one lock whatever the number of people, where the identity locks a form takes (one per person,
    `lock_identities`) would exhaust PostgreSQL's lock table at tens of thousands of people in one
    transaction. Taken again, it is already held."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            table = connection.ops.quote_name(Candidate._meta.db_table)
            cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")


def _claim_new_people(items: Sequence[CertificateToTakeOver]) -> None:
    """Lock the people's table, then look again for the people the caller found nobody for: a form or an
    import may have recorded one since, and that record is the person."""
    keys = {item.identity for item in items if item.candidate_id is None}
    if not keys:
        return
    lock_people()
    known = people_with_identities(keys)
    for item in items:
        if item.candidate_id is None and item.identity in known:
            item.candidate_id = known[item.identity][0]


def _holders(items: Sequence[CertificateToTakeOver], batch_id: int) -> list[int]:
    """Each certificate's holder: the person known, or one record per new identity (several certificates of
    one new person share it)."""
    new: dict[str, dict[str, Any]] = {}
    for item in items:
        if item.candidate_id is None:
            new.setdefault(item.identity, item.person)
    people = list(new.values())
    if not people:
        return [item.candidate_id or 0 for item in items]
    # Only what the old system knew: the contact, postcode, status and sector stay empty ("non renseigné");
    # the birth name and place, checked by the caller (`casefiles.rules.holders`), are kept for the CDC.
    new_ids = insert_alike(
        Candidate(legacy_batch_id=batch_id),
        len(people),
        last_name=[person["last_name"] for person in people],
        first_name=[person["first_name"] for person in people],
        birth_date=[person["birth_date"] for person in people],
        sex=[person.get("sex") or "" for person in people],
        identity_key=list(new),
        birth_name=_column(people, "birth_name"),
        first_name_2=_column(people, "first_name_2"),
        first_name_3=_column(people, "first_name_3"),
        birth_commune_code=_column(people, "birth_commune_code"),
        birth_country_code=_column(people, "birth_country_code"),
    )
    by_key = dict(zip(new, new_ids, strict=True))
    return [item.candidate_id or by_key[item.identity] for item in items]


def _column(people: list[dict[str, Any]], name: str) -> list[str]:
    return [person.get(name) or "" for person in people]


def _closing_reason(item: CertificateToTakeOver) -> str:
    return (
        f"Certifié (reprise de l'ancien système) : certificat n° {item.number} attribué le "
        f"{item.awarded_on:%d/%m/%Y} (jury {item.region} du {item.jury_on:%d/%m/%Y})."
    )


def _moment(day: dt.date | None) -> dt.datetime | None:
    return None if day is None else historical_moment(day)


def _record_history(
    items: Sequence[CertificateToTakeOver],
    file_ids: list[int],
    certificate_ids: list[int],
    *,
    batch_id: int,
    actor: Actor,
    source: dict[str, Any],
) -> None:
    """Each file's timeline as the old system lived it, each event on its own day: the file before the jury,
    the certificate awarded, and its withdrawal."""
    subject_type = ContentType.objects.get_for_model(CaseFile, for_concrete_model=False)
    labels = [item.label for item in items]
    with recovered(items[0].awarded_on, batch=batch_id):
        record_alike(
            CaseFileEvent.OPENED,
            actor=actor,
            subject_type=subject_type,
            subject_ids=file_ids,
            labels=labels,
            summaries=[
                f"Dossier {item.certification} repris de l'ancien système (évalué à {item.site.name}, "
                f"jury {item.region} du {item.jury_on:%d/%m/%Y})."
                for item in items
            ],
            data_each=[source for _ in items],
            occurred_each=[historical_moment(item.jury_on) for item in items],
        )
        record_alike(
            CertificateEvent.AWARDED,
            actor=actor,
            subject_type=subject_type,
            subject_ids=file_ids,
            labels=labels,
            summaries=[
                f"Certificat attribué par le jury {item.region} du {item.jury_on:%d/%m/%Y} : "
                f"n° {item.number}." + (f" {OLD_FORMAT_NOTE}" if item.old_format else "")
                for item in items
            ],
            data_each=[
                {
                    **source,
                    "certificate": pk,
                    "number": item.number,
                    **({"old_format": True} if item.old_format else {}),
                }
                for pk, item in zip(certificate_ids, items, strict=True)
            ],
            occurred_each=[historical_moment(item.awarded_on) for item in items],
        )
        revoked = [
            (pk, item) for pk, item in zip(file_ids, items, strict=True) if item.revoked_on is not None
        ]
        record_alike(
            CertificateEvent.REVOKED,
            actor=actor,
            subject_type=subject_type,
            subject_ids=[pk for pk, _ in revoked],
            labels=[item.label for _, item in revoked],
            summaries=[f"Certificat {item.number} retiré : {item.revocation_reason}" for _, item in revoked],
            data_each=[source for _ in revoked],
            occurred_each=[
                _moment(item.revoked_on) or historical_moment(item.awarded_on) for _, item in revoked
            ],
        )
