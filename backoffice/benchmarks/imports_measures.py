"""What `bench_imports` times on one candidates file: PostgreSQL COPY (the physical limit), the stock
django-import-export path with one StartHandle per row (the baseline), and our import's steps."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import itertools
import random
import resource
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import psycopg
import tablib
from django.core.files.uploadedfile import UploadedFile
from django.core.management.base import CommandError
from django.db import connection, transaction
from import_export import fields, resources, widgets
from viewflow.workflow.status import STATUS

from accreditation.models import (
    Certification,
    Domain,
    FrameworkStatus,
    FrameworkVersion,
    Site,
    SubDomain,
)
from backoffice.core.accounts.models import User
from backoffice.core.audit.events import record
from backoffice.imports import services, tasks
from backoffice.imports.contracts.candidates import REFERRERS, STATUSES
from backoffice.imports.contracts.results import subdomain_codes as results_columns
from backoffice.imports.models import ImportJob, ImportStatus
from casefiles.events import CaseFileEvent
from casefiles.models import Candidate, CaseFile, DomainAcquisition, DomainStatus
from workflows.models import CandidatePathwayTask
from workflows.pathway.commands import start_pathway
from workflows.pathway.flow import CandidatePathwayFlow

from .imports_world import HEADER, World

COUNTS = ("rows", "new_rows", "updated_rows", "unchanged_rows", "invalid_rows")


@dataclass
class Measure:
    key: str
    label: str
    rows: int
    seconds: float
    statements: int

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


@contextlib.contextmanager
def counting_statements() -> Iterator[list[int]]:
    """The number of SQL statements sent inside the block (one per bulk batch, one per COPY)."""
    count = [0]

    def counted(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        count[0] += 1
        return execute(sql, params, many, context)

    real_copy = psycopg.Cursor.copy

    def copy(cursor: Any, *args: Any, **kwargs: Any) -> Any:  # bulk inserts by COPY bypass Django's wrappers
        count[0] += 1
        return real_copy(cursor, *args, **kwargs)

    with connection.execute_wrapper(counted), mock.patch.object(psycopg.Cursor, "copy", copy):
        yield count


def timed(key: str, label: str, rows: int, step: Callable[[], object]) -> Measure:
    with counting_statements() as count:
        started = time.perf_counter()
        step()
        seconds = time.perf_counter() - started
    return Measure(key, label, rows, seconds, count[0])


# 1. The physical limit: the file's rows copied as text into a staging table.


def measure_copy(path: Path, rows: int) -> Measure:
    quote_name = connection.ops.quote_name
    columns = ", ".join(quote_name(name) for name in HEADER)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE bench_staging ({', '.join(f'{quote_name(n)} text' for n in HEADER)})"
        )
        started = time.perf_counter()
        copy_sql = f"COPY bench_staging ({columns}) FROM STDIN WITH (FORMAT csv, DELIMITER ';', HEADER true)"
        with cursor.cursor.copy(copy_sql) as copy, path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                copy.write(chunk)
        seconds = time.perf_counter() - started
        cursor.execute("SELECT count(*) FROM bench_staging")
        copied = cursor.fetchone()[0]
        cursor.execute("DROP TABLE bench_staging")
    if copied != rows:
        raise CommandError(f"COPY a chargé {copied} lignes au lieu de {rows}.")
    return Measure("copy", "COPY dans une table de transit (limite physique)", rows, seconds, 1)


# 2. The stock approach: django-import-export's documented ModelResource, then one StartHandle per row.


class CodeWidget(widgets.Widget):
    """The file's codes (`demandeur_emploi`) to the model's values (`jobseeker`)."""

    def __init__(self, codes: Mapping[str, str]) -> None:
        super().__init__()
        self.codes = codes

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        return self.codes.get(value, value)


class StockCandidateResource(resources.ModelResource):
    last_name = fields.Field(attribute="last_name", column_name="nom")
    first_name = fields.Field(attribute="first_name", column_name="prenom")
    birth_date = fields.Field(
        attribute="birth_date", column_name="date_naissance", widget=widgets.DateWidget("%d/%m/%Y")
    )
    sex = fields.Field(attribute="sex", column_name="sexe")
    email = fields.Field(attribute="email", column_name="email")
    phone = fields.Field(attribute="phone", column_name="telephone")
    postcode = fields.Field(attribute="postcode", column_name="code_postal")
    status = fields.Field(attribute="status", column_name="statut", widget=CodeWidget(STATUSES))
    sector = fields.Field(attribute="sector", column_name="secteur")

    class Meta:
        model = Candidate
        fields = (
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
        import_id_fields = ("last_name", "first_name", "birth_date")  # one person, one record


def measure_stock(path: Path, sample: int, world: World) -> list[Measure]:
    """Both on the file's first rows; the import is rolled back so that ours starts from the same state."""
    with path.open(encoding="utf-8", newline="") as handle:
        dataset = tablib.Dataset().load(
            "".join(itertools.islice(handle, sample + 1)), format="csv", delimiter=";"
        )
    check = timed(
        "stock_check",
        "stock : import_data(dry_run=True), échantillon",
        sample,
        lambda: _stock_import(dataset, dry_run=True),
    )
    with transaction.atomic():
        imported = timed(
            "stock_import",
            "stock : import_data + 1 StartHandle par ligne, échantillon",
            sample,
            lambda: _open_stock_files(dataset, _stock_import(dataset, dry_run=False), world),
        )
        started = CaseFile.objects.filter(
            evaluation_site__organisation=world.organisation, process__isnull=False
        )
        _expect(started.count() == sample, f"stock : {started.count()} dossiers ouverts sur {sample}")
        transaction.set_rollback(True)
    return [check, imported]


def _stock_import(dataset: tablib.Dataset, *, dry_run: bool) -> Any:
    result = StockCandidateResource().import_data(dataset, dry_run=dry_run)
    _expect(not (result.has_errors() or result.has_validation_errors()), "stock : lignes refusées")
    return result


def _open_stock_files(dataset: tablib.Dataset, result: Any, world: World) -> None:
    """What `open_case_file` writes for each row (file, domain grid, audit event), then its StartHandle."""
    sites = {site.siret: site for site in Site.objects.filter(organisation=world.organisation)}
    certifications = {c.code: c for c in Certification.objects.all()}
    frameworks = {
        framework.certification_id: (framework, [domain.pk for domain in framework.domains.all()])
        for framework in FrameworkVersion.objects.filter(status=FrameworkStatus.PUBLISHED)
    }
    for row, row_result in zip(dataset.dict, result.rows, strict=True):
        site, certification = sites[row["siret_evaluateur"]], certifications[row["certification"]]
        framework, domain_ids = frameworks[certification.pk]
        opened_on = dt.datetime.strptime(row["date_accueil"], "%d/%m/%Y").date()
        case_file = CaseFile.objects.create(
            candidate_id=row_result.object_id,
            certification=certification,
            framework_version=framework,
            evaluation_site=site,
            opened_on=opened_on,
            referrer=REFERRERS.get(row["prescripteur"], ""),
            reference=row["reference"],
        )
        DomainAcquisition.objects.bulk_create(
            DomainAcquisition(case_file=case_file, domain_id=pk) for pk in domain_ids
        )
        summary = f"Dossier {certification} ouvert à {site.name} le {opened_on:%d/%m/%Y}."
        record(CaseFileEvent.OPENED, actor=world.evaluator, subject=case_file, summary=summary)
        start_pathway(case_file)


# 3. Ours, step by step as the worker runs them (in a process of their own, see the command).


@contextlib.contextmanager
def steps_run_here() -> Iterator[None]:
    """Each step is run here, as the worker runs it: nothing is queued for a real worker."""
    with mock.patch.object(tasks.check_import_job, "send"), mock.patch.object(tasks.apply_import_job, "send"):
        yield


def measure_ours(path: Path, actor: User, rows: int) -> tuple[list[Measure], dict[str, int]]:
    """Each step timed, and the process's peak memory after each (it only grows)."""
    peaks: dict[str, int] = {}
    with counting_statements() as statements:
        started = time.perf_counter()
        job = _upload(path, actor)
        check = timed("check", "nous : vérification (dry run)", rows, lambda: services.check_import(job.pk))
        peaks["check"] = peak_memory_kb()
        _expect_counts(job, ImportStatus.VALIDATED, rows=rows, new_rows=rows)
        services.confirm_import(job, skip_invalid=False, actor=actor)
        apply = timed(
            "apply", "nous : import (dossiers + parcours)", rows, lambda: services.apply_import(job.pk)
        )
        end_to_end = time.perf_counter() - started
        peaks["apply"] = peak_memory_kb()
    _expect_counts(job, ImportStatus.APPLIED, rows=rows, new_rows=rows)
    _expect_started(actor, rows)
    results = measure_results(path.with_name("resultats.csv"), actor, rows)
    peaks["results"] = peak_memory_kb()
    again = _upload(path, actor)
    recheck = timed(
        "recheck",
        "nous : ré-import, vérification (rien ne change)",
        rows,
        lambda: services.check_import(again.pk),
    )
    peaks["recheck"] = peak_memory_kb()
    _expect_counts(again, ImportStatus.VALIDATED, rows=rows, unchanged_rows=rows)
    services.cancel_import(again, actor=actor)
    total = Measure("end_to_end", "nous : de bout en bout (dépôt → import)", rows, end_to_end, statements[0])
    return [check, apply, total, recheck, results], peaks


def measure_results(path: Path, actor: User, rows: int) -> Measure:
    """A results file for every file just opened — half with every sub-domain acquired, the others with
    one to three sub-domains not acquired, drawn at random as in real files (thousands of distinct
    lines): its apply records each positioning and completes its task, as the form does."""
    organisation_id = actor.scope.organisation_id or 0
    files = CaseFile.objects.filter(evaluation_site__organisation_id=organisation_id).values_list(
        "reference", "evaluation_site__siret", "framework_version_id"
    )
    codes: dict[int, list[str]] = {}
    for framework_id, code in SubDomain.objects.values_list("domain__framework_version_id", "code"):
        codes.setdefault(framework_id, []).append(code)
    header = ["reference", "siret_evaluateur", "type", "date_evaluation", "evaluateur", *results_columns()]
    day = f"{dt.date.today():%d/%m/%Y}"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow(header)
        draw = random.Random(rows)
        for reference, siret, framework_id in files:
            framework_codes = codes[framework_id]
            missed = set(draw.sample(framework_codes, draw.randint(1, 3))) if draw.random() < 0.5 else set()
            cells = {code: "NA" if code in missed else "A" for code in framework_codes}
            line = {
                "reference": reference,
                "siret_evaluateur": siret,
                "type": "prealable",
                "date_evaluation": day,
            }
            writer.writerow([{**line, "evaluateur": actor.email, **cells}.get(name, "") for name in header])
    with path.open("rb") as handle:
        upload = UploadedFile(handle, name="resultats.csv", content_type="text/csv", size=path.stat().st_size)
        job = services.create_import(contract="results", upload=upload, actor=actor)
    path.unlink()  # stored with the import; the candidates file is the run's only kept file
    services.check_import(job.pk)
    _expect_counts(job, ImportStatus.VALIDATED, rows=rows, new_rows=rows)
    services.confirm_import(job, skip_invalid=False, actor=actor)
    measure = timed(
        "results",
        "nous : résultats (évaluations préalables + tâches)",
        rows,
        lambda: services.apply_import(job.pk),
    )
    _expect_counts(job, ImportStatus.APPLIED, rows=rows, new_rows=rows)
    waiting = CandidatePathwayTask.objects.filter(
        status=STATUS.NEW, process__case_file__evaluation_site__organisation_id=organisation_id
    ).exclude(flow_task=CandidatePathwayFlow.positioning)
    _expect(waiting.count() == rows, f"{waiting.count()} tâches suivantes en attente, {rows} attendues")
    return measure


def _upload(path: Path, actor: User) -> ImportJob:
    with path.open("rb") as handle:
        upload = UploadedFile(handle, name="candidats.csv", content_type="text/csv", size=path.stat().st_size)
        return services.create_import(contract="candidates", upload=upload, actor=actor)


def _expect_counts(job: ImportJob, status: str, *, rows: int, **counts: int) -> None:
    job.refresh_from_db()
    found = {name: getattr(job, name) for name in COUNTS}
    expected = dict.fromkeys(COUNTS, 0) | {"rows": rows, **counts}
    _expect(
        job.status == status and found == expected,
        f"import {job.pk} : {job.status} {found}, attendu {expected}",
    )


def _expect_started(actor: User, rows: int) -> None:
    """The figure is honest only if every file was opened and waits for its positioning."""
    organisation_id = actor.scope.organisation_id or 0
    files = CaseFile.objects.filter(evaluation_site__organisation_id=organisation_id, process__isnull=False)
    waiting = CandidatePathwayTask.objects.filter(
        flow_task=CandidatePathwayFlow.positioning,
        status=STATUS.NEW,
        process__case_file__evaluation_site__organisation_id=organisation_id,
    )
    counted = (files.count(), waiting.count())
    _expect(counted == (rows, rows), f"{counted[0]} dossiers, {counted[1]} évaluations préalables en attente")
    domains = Counter(Domain.objects.values_list("framework_version_id", flat=True))
    expected = sum(domains[framework] for framework in files.values_list("framework_version_id", flat=True))
    grid = DomainAcquisition.objects.filter(
        case_file__in=files, status=DomainStatus.NOT_ASSESSED, acquired_on=None, source=None
    )
    _expect(grid.count() == expected, f"{grid.count()} lignes de grille des domaines, {expected} attendues")


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise CommandError(f"Mesure invalide : {message}.")


def peak_memory_kb() -> int:
    """This process's peak resident memory. Not ru_maxrss: on Linux it carries the parent's peak over the
    fork and exec that started this process."""
    with contextlib.suppress(OSError), open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
