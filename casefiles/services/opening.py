"""Opening a case file at an accredited evaluation organisation."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accreditation.models import Certification, Site
from accreditation.selectors import published_framework
from backoffice.core.accounts.types import SystemActor
from backoffice.core.audit.events import record
from casefiles.rules.dates import act_batch, act_moment, check_date
from casefiles.rules.identity import identity_key

from ..events import CandidateEvent, CaseFileEvent
from ..models import OPEN_STATES, Candidate, CaseFile, DomainAcquisition
from ..selectors import person_with_identity
from .access import ensure_evaluator
from .identity import lock_identity
from .transmissions import requeue_corrected


@transaction.atomic
def open_case_file(
    *,
    site: Site,
    certification: Certification,
    opened_on: dt.date,
    candidate: Candidate | None = None,
    candidate_data: dict[str, Any] | None = None,
    referrer: str = "",
    funding: str = "",
    funding_note: str = "",
    reference: str = "",
    actor: SystemActor,
) -> CaseFile:
    """Open a file for a new or known candidate; at most one open file per certification."""
    ensure_evaluator(actor, site, certification, opened_on, what="ouvrir un dossier")
    check_date(opened_on, not_before=None, label="d'accueil", previous="")
    framework = published_framework(certification)
    if framework is None:
        raise ValidationError(f"Aucun référentiel publié pour {certification}.")
    if candidate is None:
        candidate = _candidate_for(candidate_data or {}, actor=actor)
    else:
        Candidate.objects.select_for_update().filter(pk=candidate.pk).first()
    ensure_no_open_file(candidate, certification)
    case_file = CaseFile(
        candidate=candidate,
        certification=certification,
        framework_version=framework,
        evaluation_site=site,
        opened_on=opened_on,
        # As typed at this opening, else as the person's record says (a known person's is not updated).
        status_at_opening=(candidate_data or {}).get("status") or candidate.status,
        referrer=referrer,
        funding=funding,
        funding_note=funding_note,
        reference=reference,
        legacy_batch_id=act_batch(),
    )
    case_file.full_clean(exclude=["candidate"])
    try:
        with transaction.atomic():
            case_file.save()
    except IntegrityError as error:  # a concurrent opening for the same candidate and certification
        raise ValidationError(f"{candidate} a déjà un dossier ouvert pour {certification}.") from error
    DomainAcquisition.objects.bulk_create(
        DomainAcquisition(case_file=case_file, domain=domain) for domain in framework.domains.all()
    )
    record(
        CaseFileEvent.OPENED,
        actor=actor,
        subject=case_file,
        summary=f"Dossier {certification} ouvert à {site.name} le {opened_on:%d/%m/%Y}.",
    )
    return case_file


def _candidate_for(data: dict[str, Any], *, actor: SystemActor) -> Candidate:
    """The person already known under this identity (locked), or a new record: one person, one record. A
    known person's birth data still missing is completed from what was typed (never overwritten)."""
    candidate = Candidate(**data, created_at=act_moment(), legacy_batch_id=act_batch())
    candidate.full_clean()
    key = identity_key(candidate.last_name, candidate.first_name, candidate.birth_date)
    lock_identity(key)  # two openings of one new person at once: the second finds the first's record
    known = person_with_identity(key, lock=True)
    if known is not None:
        _complete_birth_data(known, candidate, actor=actor)
        return known
    candidate.save()
    return candidate


def _complete_birth_data(known: Candidate, typed: Candidate, *, actor: SystemActor) -> None:
    """What the training-account system needs, given now for a person whose record lacks it (people taken
    over from the old system often do): the birth name, first names and sex where empty, the place of birth
    where neither a commune nor a country is known. Only blanks are filled — never a value overwritten — so
    the evaluator opening the file may (the event says it came from an opening)."""
    fields = [n for n in ("birth_name", "first_name_2", "first_name_3", "sex") if getattr(typed, n)]
    if not (known.birth_commune_code or known.birth_country_code):
        fields += [n for n in ("birth_commune_code", "birth_country_code") if getattr(typed, n)]
    completed = [name for name in fields if not getattr(known, name)]
    if not completed:
        return
    for name in completed:
        setattr(known, name, getattr(typed, name))
    # What is completed, checked as the form checks it; the record's other fields as they are (a taken-over
    # person may lack a postcode: not this opening's business).
    known.clean_fields(exclude=[f.name for f in Candidate._meta.concrete_fields if f.name not in completed])
    known.clean()
    known.save(update_fields=completed)
    labels = ", ".join(
        str(getattr(Candidate._meta.get_field(name), "verbose_name", name)) for name in completed
    )
    record(
        CandidateEvent.RECTIFIED,
        actor=actor,
        subject=known,
        summary=f"Données complétées à l'ouverture d'un dossier : {labels}.",
        data={"fields": completed, "source": "ouverture d'un dossier"},
    )
    requeue_corrected(actor=actor, candidate=known)


def ensure_no_open_file(candidate: Candidate, certification: Certification) -> None:
    """One open file per person and certification, whoever opens it and however."""
    if (
        candidate.pk
        and candidate.case_files.filter(certification=certification, state__in=OPEN_STATES).exists()
    ):
        raise ValidationError(f"{candidate} a déjà un dossier ouvert pour {certification}.")


def attach_process(case_file: CaseFile, process: Any, *, actor: SystemActor = None) -> CaseFile:
    """Link the file to the workflow process that carries it (set once, when the process starts). No event
    of its own: the file's opening, by `actor`, is the event."""
    if case_file.process_id and case_file.process_id != process.pk:
        raise ValidationError("Ce dossier suit déjà un autre processus.")
    case_file.process = process
    case_file.save(update_fields=["process"])
    return case_file
