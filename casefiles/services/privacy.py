"""Personal data of candidates: rectification, the subject-access export, the trail of who viewed a file,
and the retention job that anonymises candidates whose files are all closed for long enough."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from backoffice.core.accounts.roles import has_role
from backoffice.core.accounts.types import Actor, SystemActor
from backoffice.core.audit.events import record
from backoffice.core.audit.models import AuditEvent
from casefiles.rules.privacy import coarse_birth_date, coarse_postcode, retention_years, years_before

from ..events import CandidateEvent, CaseFileEvent
from ..models import AgendaItem, Candidate, CaseFile, CaseFileDocument, Passage
from ..personal_data import AtExpiry, fields_at_expiry
from ..selectors import EXPORTING_ROLES, RECTIFYING_ROLES, candidates_due, candidates_for, files_outside_scope
from ..subject_access import subject_access_data
from .identity import ensure_not_a_twin
from .transmissions import requeue_corrected

logger = logging.getLogger(__name__)
RECTIFIABLE = Candidate.FIELDS  # a rectification may correct every field the person gave
ANONYMOUS_LAST_NAME = "Anonymisé·e"
# What the layers above casefiles hold about a person and erase with them (surveys: the invitations), called
# inside the anonymisation's transaction, before the identity is replaced; registered by AppConfig.ready().
ON_ANONYMISE: list[Callable[[Candidate], None]] = []


# Rectification (GDPR art. 16).


def _ensure_in_scope(actor: SystemActor, candidate: Candidate, roles: tuple[Any, ...], *, what: str) -> None:
    if actor is None:
        return
    if not has_role(actor, *roles) or not candidates_for(actor).filter(pk=candidate.pk).exists():
        raise PermissionDenied(f"Vous ne pouvez pas {what} de ce·tte candidat·e.")


@transaction.atomic
def rectify_candidate(candidate: Candidate, *, changes: dict[str, Any], actor: SystemActor) -> Candidate:
    """Correct a candidate's identity or contact; the trail names the fields changed, never the values."""
    _ensure_in_scope(actor, candidate, RECTIFYING_ROLES, what="rectifier les données")
    locked = Candidate.objects.select_for_update().get(pk=candidate.pk)
    if locked.anonymised_on is not None:
        raise ValidationError(
            "Ce·tte candidat·e est anonymisé·e : ses données ne peuvent plus être rectifiées."
        )
    if set(changes) - set(RECTIFIABLE):
        raise ValidationError("Seules l'identité, les coordonnées et la situation peuvent être rectifiées.")
    cleaned = {k: v.strip() if isinstance(v, str) else v for k, v in changes.items()}
    changed = [name for name in RECTIFIABLE if name in cleaned and getattr(locked, name) != cleaned[name]]
    if not changed:
        raise ValidationError("Aucune donnée n'a changé.")
    for name in changed:
        setattr(locked, name, cleaned[name])
    # The fields changed are checked, the others left as they are (a person taken over from the old system
    # may lack a postcode or a status: completing their birth data must not require inventing them).
    locked.clean_fields(exclude=[f.name for f in Candidate._meta.concrete_fields if f.name not in changed])
    locked.clean()
    ensure_not_a_twin(locked)
    locked.save(update_fields=changed)
    labels = ", ".join(
        str(getattr(Candidate._meta.get_field(name), "verbose_name", name)) for name in changed
    )
    record(
        CandidateEvent.RECTIFIED,
        actor=actor,
        subject=locked,
        summary=f"Données personnelles rectifiées : {labels}.",
        data={"fields": changed},
    )
    # A holder the SI CPF rejected is sent again once what it matches on changed (and only then).
    requeue_corrected(actor=actor, candidate=locked)
    return locked


# Right of access (GDPR art. 15) and the trail of who viewed a file.


@transaction.atomic
def export_personal_data(candidate: Candidate, *, actor: SystemActor, file_format: str) -> dict[str, Any]:
    """Everything held about the candidate, for a person allowed to see all of it; the export is recorded."""
    _ensure_in_scope(actor, candidate, EXPORTING_ROLES, what="exporter les données personnelles")
    if actor is not None and files_outside_scope(actor, candidate):
        raise PermissionDenied(
            "Ce·tte candidat·e a aussi des dossiers hors de votre périmètre : "
            "demandez l'export à un·e superviseur·e."
        )
    record(
        CandidateEvent.EXPORTED,
        actor=actor,
        subject=candidate,
        summary=f"Données personnelles exportées ({file_format.upper()}) au titre du droit d'accès.",
        data={"format": file_format},
    )
    return subject_access_data(candidate)


def record_consultation(
    case_file: CaseFile, *, actor: Actor, seen: Iterable[AuditEvent] | None = None
) -> AuditEvent | None:
    """Note that `actor` opened the file, once a day per person and file. `seen`: the file's events
    already read for its page, which spares a query (the page's count stays the same)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    today = timezone.localdate()
    if seen is None:
        start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
        seen = AuditEvent.objects.for_subject(case_file).filter(
            verb=CaseFileEvent.VIEWED, actor=actor, occurred_at__gte=start
        )
    for event in seen:
        if (
            event.verb == CaseFileEvent.VIEWED
            and event.actor_id == actor.pk
            and timezone.localdate(event.occurred_at) == today
        ):
            return None
    return record(CaseFileEvent.VIEWED, actor=actor, subject=case_file, summary="Dossier consulté.")


# Retention: anonymisation of candidates whose files are all closed for longer than the period.


@dataclass
class Anonymised:
    candidate_id: int
    case_file_ids: list[int]
    documents: int


@dataclass
class AnonymisationReport:
    dry_run: bool
    years: int
    cutoff: dt.date
    candidates: list[Anonymised] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)  # candidates left untouched after an error (logged)

    def lines(self) -> list[str]:
        """The French report the command prints (numbers only: the report must not repeat the names)."""
        verb = "seraient anonymisé·es" if self.dry_run else "anonymisé·es"
        head = "Simulation (aucune modification). " if self.dry_run else ""
        lines = [
            f"{head}{len(self.candidates)} candidat·e(s) {verb} : tous leurs dossiers sont clos depuis "
            f"plus de {self.years} ans (dernière clôture avant le {self.cutoff:%d/%m/%Y})."
        ]
        for item in self.candidates:
            numbers = ", ".join(str(pk) for pk in item.case_file_ids)
            lines.append(
                f"- candidat·e n° {item.candidate_id} : dossier(s) n° {numbers} ; "
                f"{item.documents} pièce(s) {'à supprimer' if self.dry_run else 'supprimée(s)'}"
            )
        if self.failed:
            numbers = ", ".join(str(pk) for pk in self.failed)
            lines.append(f"Échec, rien n'a été modifié pour : candidat·e(s) n° {numbers} (voir le journal).")
        return lines


def anonymise_candidates(
    *, dry_run: bool = False, today: dt.date | None = None, actor: SystemActor = None
) -> AnonymisationReport:
    """Anonymise every candidate due (or, dry run, say who would be); one transaction per candidate."""
    today, years = today or timezone.localdate(), retention_years()
    report = AnonymisationReport(dry_run=dry_run, years=years, cutoff=years_before(today, years))
    due = list(candidates_due(today=today, years=years).values_list("pk", flat=True))
    if dry_run:
        report.candidates = _preview(due)
        return report
    for pk in due:
        try:
            done = anonymise_candidate(pk, today=today, actor=actor)
        except Exception:  # one candidate's failure (rolled back) must not hold the others back
            logger.exception("Anonymisation du·de la candidat·e n° %s impossible", pk)
            report.failed.append(pk)
            continue
        if done is not None:
            report.candidates.append(done)
    return report


def _preview(candidate_ids: list[int]) -> list[Anonymised]:
    files: dict[int, list[int]] = {pk: [] for pk in candidate_ids}
    for candidate_id, pk in (
        CaseFile.objects.filter(candidate__in=candidate_ids).order_by("pk").values_list("candidate_id", "pk")
    ):
        files[candidate_id].append(pk)
    documents = dict(
        CaseFileDocument.objects.filter(case_file__candidate__in=candidate_ids)
        .values("case_file__candidate")
        .annotate(n=Count("pk"))
        .values_list("case_file__candidate", "n")
    )
    return [Anonymised(pk, files[pk], documents.get(pk, 0)) for pk in candidate_ids]


@transaction.atomic
def anonymise_candidate(
    pk: int, *, today: dt.date | None = None, actor: SystemActor = None
) -> Anonymised | None:
    """Replace one candidate's identity, contact and free texts, coarsen the birth date and postcode,
    delete the documents; keep what the statistics count. None when not (or no longer) due."""
    today = today or timezone.localdate()
    locked = Candidate.objects.select_for_update().filter(pk=pk).first()
    # Opening a file locks the candidate row first: none can start while this one runs.
    files = list(CaseFile.objects.select_for_update().filter(candidate_id=pk).order_by("pk"))
    if locked is None or not candidates_due(today=today).filter(pk=pk).exists():
        return None
    documents = _delete_documents(files)
    for hook in ON_ANONYMISE:
        hook(locked)
    _redact_trail(locked, files)
    _anonymise_identity(locked, files, today)
    CaseFile.objects.filter(candidate=locked).update(**_erased(CaseFile))
    AgendaItem.objects.filter(case_file__candidate=locked).update(**_erased(AgendaItem))
    Passage.objects.filter(certificate__case_file__candidate=locked).update(**_erased(Passage))
    done = Anonymised(locked.pk, [f.pk for f in files], documents)
    record(  # after the change: the event's label is the anonymous name, and it holds no erased value
        CandidateEvent.ANONYMISED,
        actor=actor,
        subject=locked,
        summary=f"Données personnelles anonymisées ({retention_years()} ans après la clôture) : "
        f"{len(files)} dossier(s), {documents} pièce(s) supprimée(s).",
        data={"case_files": done.case_file_ids, "documents_deleted": documents},
    )
    return done


def _redact_trail(candidate: Candidate, files: list[CaseFile]) -> int:
    """The candidate's names (usual and birth, first names) and e-mail erased from the events about them and
    their files (labels, summaries, data); the events themselves stay."""
    last, first = candidate.last_name, candidate.first_name
    words = [
        f"{last.upper()} {first}",
        f"{last} {first}",
        f"{first} {last}",
        f"{first} {last.upper()}",
        last.upper(),
        last,
        candidate.email,
        # An import's update quotes them, old and new (« nom de naissance : (vide) → Dupont »).
        candidate.birth_name.upper(),
        candidate.birth_name,
        candidate.first_name_2,
        candidate.first_name_3,
    ]
    about = AuditEvent.objects.for_subject(candidate) | AuditEvent.objects.filter(
        subject_type=ContentType.objects.get_for_model(CaseFile, for_concrete_model=False),
        subject_id__in=[str(f.pk) for f in files],
    )
    return about.redact(words, f"{ANONYMOUS_LAST_NAME} n° {candidate.pk}")


def _erased(model: type[Any]) -> dict[str, str]:
    """The model's fields the registry says the job empties."""
    return {name: "" for name in fields_at_expiry(model, AtExpiry.ERASE)}


def _anonymise_identity(candidate: Candidate, files: list[CaseFile], today: dt.date) -> None:
    candidate.last_name, candidate.first_name = ANONYMOUS_LAST_NAME, f"n° {candidate.pk}"
    candidate.birth_date = coarse_birth_date(candidate.birth_date, [f.opened_on for f in files])
    candidate.postcode = coarse_postcode(candidate.postcode)
    for name, value in _erased(Candidate).items():
        setattr(candidate, name, value)
    candidate.anonymised_on = today
    candidate.save()


def _delete_documents(files: list[CaseFile]) -> int:
    """Delete the rows now and the stored files once committed (a rollback leaves both in place)."""
    documents = list(CaseFileDocument.objects.filter(case_file__in=files))
    stored = [(d.file.storage, d.file.name) for d in documents if d.file.name]
    CaseFileDocument.objects.filter(pk__in=[d.pk for d in documents]).delete()
    for storage, name in stored:
        transaction.on_commit(partial(storage.delete, name))
    return len(documents)
