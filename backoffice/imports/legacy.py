"""Migration batches (« lots de reprise »): open one, count what it wrote, undo it before go-live, declare it
live. Every record a takeover import creates carries its batch (`legacy_batch`): undoing a batch deletes
exactly those, in the reverse order of the migration, in one transaction — or refuses, when something made
here since depends on them. The audit trail keeps both the takeover and its undoing."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from viewflow.workflow.models import Process

from accreditation.models import Accreditation, Organisation, Site, UserScope
from accreditation.scoping import scope_of
from backoffice.core.accounts.roles import Role, has_role
from backoffice.core.accounts.types import Actor
from backoffice.core.audit.events import record
from backoffice.core.legacy.models import BatchStatus, LegacyBatch
from casefiles.models import Candidate, CaseFile, Certificate, CertificateCounter, JurySession
from casefiles.rules.numbering import series_tops

from .events import ImportEvent

# What a batch writes, in the order of the migration (organisations first); undone in the reverse order.
BATCH_MODELS: tuple[tuple[type[models.Model], str], ...] = (
    (Organisation, "organismes"),
    (Site, "établissements"),
    (Accreditation, "habilitations"),
    (JurySession, "sessions de jury historiques"),
    (Candidate, "personnes"),
    (CaseFile, "dossiers"),
    (Certificate, "certificats"),
)


@dataclass(frozen=True)
class BatchCount:
    label: str
    count: int


def may_take_over(user: Any) -> bool:
    """The takeover is national: a supervisor (or administrator) of national scope runs it — it writes every
    region's history, and a batch is undone as a whole."""
    return has_role(user, Role.SUPERVISOR, Role.ADMINISTRATOR) and scope_of(user).national


def ensure_supervisor(actor: Actor) -> None:
    if not may_take_over(actor):
        raise PermissionDenied(
            "Seul·e un·e superviseur·e de périmètre national reprend l'historique de l'ancien système."
        )


def ensure_batch_open(batch: LegacyBatch) -> None:
    if batch.status != BatchStatus.OPEN:
        raise ValidationError(
            f"Le {batch} est « {batch.get_status_display().lower()} » : on n'y ajoute plus de fichier."
        )


def open_batch(*, label: str, actor: Actor) -> LegacyBatch:
    """A new migration batch: the imports of one run of the takeover will carry it."""
    ensure_supervisor(actor)
    batch = LegacyBatch.objects.create(label=label.strip()[:200] or "Reprise", created_by=actor)
    record(
        ImportEvent.BATCH_OPENED,
        actor=actor,
        subject=batch,
        summary=f"Lot de reprise ouvert : {batch.label}.",
    )
    return batch


def batch_counts(batch: LegacyBatch) -> list[BatchCount]:
    """What the batch wrote, kind by kind (the counts to compare with the old system's)."""
    return [
        BatchCount(label, model._default_manager.filter(legacy_batch=batch).count())
        for model, label in BATCH_MODELS
    ]


def counts_line(counts: Iterable[BatchCount]) -> str:
    return ", ".join(f"{c.count} {c.label}" for c in counts if c.count) or "rien"


@transaction.atomic
def undo_batch(batch: LegacyBatch, *, actor: Actor) -> list[BatchCount]:
    """Delete everything the batch wrote, all or nothing; refused once the batch is live, or when records
    made here since depend on it (a file opened on a migrated site, a jury that examined a migrated file)."""
    ensure_supervisor(actor)
    locked = LegacyBatch.objects.select_for_update().get(pk=batch.pk)
    if not locked.can_be_undone:
        raise ValidationError(
            f"Le {locked} est « {locked.get_status_display().lower()} » : il ne peut plus être annulé."
        )
    counts = batch_counts(locked)
    staff = UserScope.objects.filter(organisation__legacy_batch=locked).count()
    if staff:
        raise ValidationError(
            f"Le {locked} ne peut pas être annulé : {staff} compte(s) du personnel sont rattachés à des "
            "organismes repris (ils perdraient leur accès). Rattachez-les ailleurs ou retirez-les d'abord. "
            "Rien n'a été supprimé."
        )
    certificates = Certificate.objects.filter(legacy_batch=locked)
    series = set(certificates.values_list("number", flat=True))
    try:
        with transaction.atomic():
            certificates.delete()
            files = CaseFile.objects.filter(legacy_batch=locked)
            Process.objects.filter(pk__in=files.exclude(process=None).values("process_id")).delete()
            files.delete()
            for model, _label in reversed(BATCH_MODELS[:5]):
                model._default_manager.filter(legacy_batch=locked).delete()
    except models.ProtectedError as error:
        raise ValidationError(_blocked(locked, error.protected_objects)) from error
    _rewind_counters(series)
    locked.status, locked.closed_at = BatchStatus.UNDONE, timezone.now()
    locked.save(update_fields=["status", "closed_at"])
    record(
        ImportEvent.BATCH_UNDONE,
        actor=actor,
        subject=locked,
        summary=f"Lot de reprise annulé : {counts_line(counts)} supprimé(s).",
        data={c.label: c.count for c in counts},
    )
    return counts


def _blocked(batch: LegacyBatch, protected: Iterable[models.Model]) -> str:
    """Why the undo is refused: another batch built on this one, or records made here since."""
    records = list(protected)
    others = sorted({n for r in records if (n := getattr(r, "legacy_batch_id", None)) and n != batch.pk})
    if others:
        named = ", ".join(f"n° {n}" for n in others)
        return (
            f"Le {batch} ne peut pas être annulé : le(s) lot(s) de reprise {named} s'appuient sur ses "
            "données (une session de jury historique, un établissement…). Annulez-les d'abord. "
            "Rien n'a été supprimé."
        )
    return (
        f"Le {batch} ne peut pas être annulé : {len(records)} enregistrement(s) faits depuis dans le "
        "back-office s'appuient sur ses données (dossier ouvert sur un établissement repris, session de "
        "jury…). "
        "Rien n'a été supprimé."
    )


def declare_live(batch: LegacyBatch, *, actor: Actor) -> LegacyBatch:
    """Go-live: the batch becomes the history of record and can no longer be undone."""
    ensure_supervisor(actor)
    with transaction.atomic():
        locked = LegacyBatch.objects.select_for_update().get(pk=batch.pk)
        ensure_batch_open(locked)
        locked.status, locked.closed_at = BatchStatus.LIVE, timezone.now()
        locked.save(update_fields=["status", "closed_at"])
        record(
            ImportEvent.BATCH_LIVE,
            actor=actor,
            subject=locked,
            summary=f"Lot de reprise mis en service : {counts_line(batch_counts(locked))}.",
        )
    return locked


def _rewind_counters(numbers: set[str]) -> None:
    """A series the batch's numbers had moved on goes back to the highest number still recorded in it."""
    for prefix, year, region in series_tops(numbers):
        stem = f"{prefix}-{year}-{region}-"
        left = Certificate.objects.filter(number__iregex=rf"^{re.escape(stem)}\d{{6}}$").values_list(
            "number", flat=True
        )
        last = series_tops(left).get((prefix, year, region), 0)
        CertificateCounter.objects.filter(prefix=prefix, year=year, region_code=region).update(
            last_number=last
        )
