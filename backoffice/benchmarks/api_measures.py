"""What `bench_api` times: the same candidates posted to the API in lots (through the import worker's steps,
run here, or judged during the request) and imported as one file; and the removal of the API's traces."""

from __future__ import annotations

import csv
import json
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, override_settings

from accreditation.models import UserScope
from backoffice.api import lots, tasks
from backoffice.api.models import ApiKey, BulkSubmission, IdempotentRequest
from backoffice.api.services import create_api_key
from backoffice.core.accounts.models import User
from backoffice.core.audit.models import AuditEvent
from backoffice.imports import services
from backoffice.imports.models import ImportJob, ImportRowError, ImportStatus

from .imports_measures import steps_run_here
from .imports_world import World

DATES = ("date_naissance", "date_accueil")


@dataclass
class Measure:
    label: str
    rows: int
    seconds: float
    created: int

    @property
    def rate(self) -> float:
        return self.rows / self.seconds


def items_of(path: Path) -> list[dict[str, str]]:
    """The file's rows as the API's JSON items: the same fields, dates in ISO 8601."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    for row in rows:
        for name in DATES:
            day, month, year = row[name].split("/")
            row[name] = f"{year}-{month}-{day}"
    return rows


def measure_api(world: World, items: list[dict[str, str]], *, batch: int, during_request: bool) -> Measure:
    """Lots of `batch` items posted with a write key, each then run by the lot's actor here (as the import
    worker runs it) and polled; or, `during_request`, judged and written in the request itself."""
    _, text = create_api_key(world.organisation, name="Banc d'essai", scope="write", actor=world.evaluator)
    client = Client(headers={"Authorization": f"Bearer {text}"})
    created: Counter[str] = Counter()
    limits = {"API_RATE_LIMIT": 10**9, "API_SYNC_MAX": batch if during_request else 100}
    with (
        override_settings(ALLOWED_HOSTS=["testserver"], SECURE_SSL_REDIRECT=False, **limits),
        steps_run_here(),
        mock.patch.object(tasks.run_lot_job, "send"),  # run here, below, as the worker would
    ):
        started = time.perf_counter()
        for start in range(0, len(items), batch):
            body = json.dumps({"elements": items[start : start + batch]})
            answer = _post(client, body, run=not during_request)
            created.update(item["resultat"] for item in answer["resultats"])
        seconds = time.perf_counter() - started
    how = "pendant la requête" if during_request else "par le service d'import (lot à suivre)"
    return Measure(f"API, lots de {batch} {how}", len(items), seconds, created["cree"])


def _post(client: Client, body: str, *, run: bool) -> dict[str, Any]:
    response = client.post("/api/v1/dossiers/lot/", body, content_type="application/json")
    if response.status_code not in (200, 202):
        raise RuntimeError(f"Lot refusé ({response.status_code}) : {response.content[:500]!r}")
    answer = response.json()
    if response.status_code == 202:
        if run:
            lots.run_lot(answer["id"])
        answer = client.get(answer["url"]).json()
        if answer["etat"] != "termine":
            raise RuntimeError(f"Lot non traité : {answer['detail']}")
    return answer


def measure_file(world: World, path: Path, rows: int) -> Measure:
    """The same rows as one uploaded file: its dry run, confirmation and apply (the worker's steps, here)."""
    with steps_run_here():
        started = time.perf_counter()
        with path.open("rb") as handle:
            upload = SimpleUploadedFile(path.name, handle.read(), "text/csv")
        job = services.create_import(contract="candidates", upload=upload, actor=world.evaluator)
        services.check_import(job.pk)
        services.confirm_import(job, skip_invalid=True, actor=world.evaluator)
        services.apply_import(job.pk)
        seconds = time.perf_counter() - started
    job.refresh_from_db()
    if job.status != ImportStatus.APPLIED:
        raise RuntimeError(f"Import non appliqué : {job.outcome or job.file_error}")
    return Measure("Import du fichier (vérification, confirmation, import)", rows, seconds, job.new_rows)


def remove_api_traces(world: World) -> None:
    """The keys of the world's organisation, their accounts, lots, kept answers, imports and events: what
    `imports_world.remove_world` does not know, removed before it."""
    keys = ApiKey.objects.filter(
        pk__in=list(ApiKey.objects.filter(organisation=world.organisation).values_list("pk", flat=True))
    )
    accounts = User.objects.filter(pk__in=list(keys.values_list("service_user_id", flat=True)))
    jobs = ImportJob.objects.filter(
        pk__in=list(ImportJob.objects.filter(uploaded_by__in=accounts).values_list("pk", flat=True))
    )
    stored = [name for job in jobs for name in (job.file.name, job.error_report.name) if name]
    with transaction.atomic():
        _delete(AuditEvent.objects.filter(actor__in=accounts))
        for model, queryset in ((ApiKey, keys), (ImportJob, jobs), (User, accounts)):
            subject_type = ContentType.objects.get_for_model(model)
            ids = [str(pk) for pk in queryset.values_list("pk", flat=True)]
            _delete(AuditEvent.objects.filter(subject_type=subject_type, subject_id__in=ids))
        _delete(BulkSubmission.objects.filter(api_key__in=keys))
        _delete(IdempotentRequest.objects.filter(api_key__in=keys))
        _delete(ImportRowError.objects.filter(job__in=jobs))
        _delete(jobs)
        _delete(keys)
        _delete(UserScope.objects.filter(user__in=accounts))
        _delete(User.groups.through.objects.filter(user__in=accounts))
        _delete(accounts)
    for name in stored:
        default_storage.delete(name)


def _delete(queryset: Any) -> int:
    return queryset._raw_delete(queryset.db)
