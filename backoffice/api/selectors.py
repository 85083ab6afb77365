"""The API's reads: the key's files, certificates, lots and next steps, each through the selectors the pages
use with the key's service account, so a key sees exactly what its organisation's staff see (404 outside)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Cast, Coalesce, Greatest
from django.http import Http404

from accreditation.scoping import scope_of
from backoffice.core.audit.models import AuditEvent
from casefiles.events import READS
from casefiles.models import Candidate, CaseFile, Certificate
from casefiles.selectors import case_files_for, certificates_for
from workflows.models import CandidatePathwayTask
from workflows.pathway.selectors import OPEN_STATUSES, step_due_on

from .models import ApiKey, BulkSubmission

# What to send to get a waiting step done, by the pathway's node.
ACTIONS = {
    "positioning": "POST …/evaluations/ avec « type » : « prealable »",
    "training_plan": "POST …/evaluations/ avec « type » : « plan »",
    "final_evaluation": "POST …/evaluations/ avec « type » : « finale »",
    "ready_for_jury": "Rien à envoyer : le dossier attend la décision d'un jury.",
    "jury_return": "Reprise après renvoi du jury : dans le back-office.",
    "certificate_issued": "Rien à envoyer : le certificat est en cours de délivrance.",
}


def files_for_key(user: Any) -> QuerySet[CaseFile]:
    """The files the key's organisation sees, each with its last change's time (`modifie_le`): the file's
    own events and its candidate's (a rectification), not those that record a look (`READS`)."""
    types = ContentType.objects.get_for_models(CaseFile, Candidate, for_concrete_models=False)

    def last_event(model: type[Any], field: str) -> Subquery:
        events = AuditEvent.objects.filter(
            subject_type=types[model], subject_id=Cast(OuterRef(field), output_field=CharField())
        ).exclude(verb__in=READS)
        return Subquery(events.order_by("-occurred_at").values("occurred_at")[:1])

    return (
        case_files_for(user)
        .annotate(
            file_changed=last_event(CaseFile, "pk"), candidate_changed=last_event(Candidate, "candidate_id")
        )
        .annotate(
            modifie_le=Greatest(
                Coalesce(F("file_changed"), F("candidate_changed")),
                Coalesce(F("candidate_changed"), F("file_changed")),
            )
        )
    )


def filter_files(
    files: QuerySet[CaseFile],
    *,
    certification: str = "",
    state: str = "",
    reference: str = "",
    changed_since: dt.datetime | None,
) -> QuerySet[CaseFile]:
    if certification:
        files = files.filter(certification__code__iexact=certification)
    if state:
        files = files.filter(state=state)
    if reference:
        files = files.filter(reference=reference)
    if changed_since is not None:
        files = files.filter(modifie_le__gte=changed_since)  # type: ignore[misc]  # annotated above
    return files


def file_for_key(user: Any, case_file_id: int) -> CaseFile:
    """The file of that id, in the key's scope; else 404."""
    found = files_for_key(user).filter(pk=case_file_id).first()
    if found is None:
        raise Http404
    return found


def next_steps(files: list[CaseFile]) -> dict[int, Any]:
    """Each file's open step of its pathway, by file id (one query for the page)."""
    by_process = {f.process_id: f.pk for f in files if f.process_id is not None}
    tasks = CandidatePathwayTask.objects.filter(
        process_id__in=list(by_process), status__in=OPEN_STATUSES
    ).order_by("pk")
    return {by_process[task.process_id]: task for task in tasks}


def step_of(task: Any) -> dict[str, Any] | None:
    if task is None:
        return None
    name = task.flow_task.name
    return {
        "code": name,
        "titre": str(task.flow_task.task_title),
        "ouverte_le": task.created,
        "a_faire_avant": step_due_on(task),
        "action": ACTIONS.get(name, "Dans le back-office."),
    }


def certificates_for_key(user: Any) -> QuerySet[Certificate]:
    """The certificates of the organisation's candidates (its files), as its staff see them."""
    return certificates_for(user).select_related("case_file", "certification")


def lot_for_key(key: ApiKey, pk: int) -> BulkSubmission:
    """A lot sent by a key of the same organisation; else 404."""
    lot = (
        BulkSubmission.objects.select_related("import_job", "api_key")
        .filter(pk=pk, api_key__organisation_id=key.organisation_id)
        .first()
    )
    if lot is None:
        raise Http404
    return lot


def keys_for(user: Any) -> QuerySet[ApiKey]:
    """The keys of the person's organisation (its staff manage them), newest first."""
    organisation_id = scope_of(user).organisation_id
    if not organisation_id:
        return ApiKey.objects.none()
    return ApiKey.objects.filter(organisation_id=organisation_id).select_related("created_by", "revoked_by")
