"""`manage.py bench_legacy_certificates`: the takeover of every certificate the old system issued, timed
through the real pipeline on PostgreSQL — a `certificats_historiques` file of 50,000 rows (ten years, the 18
regions' monthly juries, a few numbers in an older form, some revoked, most transmitted) uploaded into a
migration batch, checked (dry run), confirmed and applied, then the same file checked again (every row
unchanged). The command builds its own organisation, sites and supervisor, and removes all it wrote afterwards
unless `--keep`."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import random
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Q
from faker.providers.person.fr_FR import Provider as FrenchNames

from accreditation.models import Region, UserScope
from accreditation.services import set_user_scope
from backoffice.benchmarks.imports_measures import Measure, counting_statements, steps_run_here, timed
from backoffice.benchmarks.imports_world import (
    World,
    _delete,
    build_world,
    ensure_reference_data,
    remove_world,
)
from backoffice.core.accounts.models import User
from backoffice.core.accounts.roles import Role, group_name
from backoffice.core.audit.models import AuditEvent
from backoffice.core.legacy.models import LegacyBatch
from backoffice.imports import services
from backoffice.imports.contracts import contract_for
from backoffice.imports.models import ImportJob, ImportRowError, ImportStatus
from casefiles.models import Candidate, CaseFile, Certificate, CertificateCounter, JurySession

CONTRACT = "certificats_historiques"
HEADER = contract_for(CONTRACT).template_header()
TARGET_ROWS, TARGET_SECONDS = 50_000, 60  # checked and applied in under a minute
COUNTS = ("rows", "new_rows", "updated_rows", "unchanged_rows", "invalid_rows")
CERTIFICATIONS = (
    ("CLEA", "CLEA", 2016, 80),
    ("CLEA_NUM", "CLEANUM", 2019, 15),
    ("CLEA_MGT", "CLEAMGT", 2022, 5),
)
LAST_NAMES = list(FrenchNames.last_names)
FIRST_NAMES = {"F": list(FrenchNames.first_names_female), "M": list(FrenchNames.first_names_male)}


class Command(BaseCommand):
    help = (
        "Mesure la reprise des certificats historiques (vérification puis import d'un fichier "
        "certificats_historiques par les étapes réelles des imports). PostgreSQL seulement."
    )

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--rows", type=int, default=50_000, help="lignes du fichier")
        parser.add_argument("--seed", type=int, default=2016)
        parser.add_argument("--keep", action="store_true", help="garder le fichier et ce qui a été repris")

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError(
                "Ce banc d'essai mesure les écritures de PostgreSQL : lancez-le avec DATABASE_URL vers une "
                "base PostgreSQL jetable (voir docs/performance.md). Rien n'a été fait."
            )
        ensure_reference_data()
        rows, seed, today = options["rows"], options["seed"], dt.date.today()
        world = build_world(today, seed=seed)
        supervisor = _supervisor(world)
        batch = LegacyBatch.objects.create(
            label="Banc d'essai de la reprise des certificats", created_by=supervisor
        )
        counters = dict(_counters())
        folder = Path(tempfile.mkdtemp(prefix="bench-legacy-"))
        path = folder / "certificats_historiques.csv"
        try:
            write_certificates(
                path, rows=rows, sirets=world.sirets, today=today, seed=seed, counters=counters
            )
            self.stdout.write(f"Fichier : {path} ({rows:,} lignes, {path.stat().st_size / 1e6:.1f} Mo)")
            load = os.getloadavg()[0]
            with steps_run_here():
                measures = measure_takeover(path, supervisor, batch, rows)
            self.report(rows, measures, load=(load, os.getloadavg()[0]))
        finally:
            if options["keep"]:
                self.stdout.write(f"Gardés : le fichier {path} et le {batch} (SIREN {world.siren}).")
            else:
                shutil.rmtree(folder, ignore_errors=True)
                remove_takeover(world, supervisor, batch, counters)
                self.stdout.write(
                    "Nettoyé : fichier, lot de reprise, certificats, dossiers, personnes, sessions."
                )

    def report(self, rows: int, measures: list[Measure], *, load: tuple[float, float]) -> None:
        version = connection.pg_version  # type: ignore[attr-defined]
        self.stdout.write(
            f"Reprise des certificats historiques : {rows:,} lignes, PostgreSQL {version // 10000}."
            f"{version % 100}, {os.cpu_count()} cœurs, charge moyenne {load[0]:.1f} au début des mesures et "
            f"{load[1]:.1f} à la fin"
        )
        self.stdout.write("| mesure | lignes | s | lignes/s | requêtes SQL |")
        self.stdout.write("|---|---|---|---|---|")
        for measure in measures:
            self.stdout.write(
                f"| {measure.label} | {measure.rows:,} | {measure.seconds:.2f} | {measure.rate:,.0f} | "
                f"{measure.statements:,} |"
            )
        by_key = {measure.key: measure for measure in measures}
        total = by_key["check"].seconds + by_key["apply"].seconds
        rate, target = rows / total, TARGET_ROWS / TARGET_SECONDS
        self.stdout.write(
            f"Objectif {TARGET_ROWS:,} lignes vérifiées et importées en moins de {TARGET_SECONDS} s "
            f"(≥ {target:,.0f} lignes/s) : {total:.1f} s pour {rows:,} lignes, {rate:,.0f} lignes/s, "
            f"{'atteint' if rate >= target else 'MANQUÉ'}"
        )


def write_certificates(
    path: Path,
    *,
    rows: int,
    sirets: list[str],
    today: dt.date,
    seed: int,
    counters: dict[tuple[str, int, str], int],
) -> None:
    """The old system's export: ten years of certificates, numbered after the series' current counters (the
    database may hold others), one in fifty in the first years' form, a few revoked, most transmitted."""
    rng = random.Random(seed)
    regions = list(Region.objects.values_list("code", flat=True))
    codes, weights = [c for c, *_ in CERTIFICATIONS], [w for *_, w in CERTIFICATIONS]
    details = {code: (prefix, since) for code, prefix, since, _ in CERTIFICATIONS}
    series = dict(counters)
    last_day = today - dt.timedelta(days=30)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow(HEADER)
        for index in range(rows):
            code = rng.choices(codes, weights)[0]
            prefix, since = details[code]
            region = rng.choice(regions)
            jury = _monthly_jury(rng, since, last_day)
            awarded = min(jury + dt.timedelta(days=rng.randint(0, 6)), last_day)
            key = (prefix, awarded.year, region)
            series[key] = series.get(key, 0) + 1
            number = f"{prefix}-{awarded.year}-{region}-{series[key]:06d}"
            if index % 50 == 0:
                number = f"{prefix}{awarded.year}{region}{series[key]:07d}"  # the first years' form
            line = _line(rng, index, code, number, region, jury, awarded, sirets, today)
            writer.writerow([line.get(name, "") for name in HEADER])


def _monthly_jury(rng: random.Random, since: int, last_day: dt.date) -> dt.date:
    """Each region's jury sits once a month, around the 10th: a few thousand sessions over the years."""
    months = (last_day.year - since) * 12 + last_day.month - 1
    month = rng.randint(0, months - 1)
    return dt.date(since + month // 12, month % 12 + 1, 10)


def _line(
    rng: random.Random,
    index: int,
    code: str,
    number: str,
    region: str,
    jury: dt.date,
    awarded: dt.date,
    sirets: list[str],
    today: dt.date,
) -> dict[str, str]:
    sex = rng.choice("FM")
    revoked = index % 400 == 7
    sent = index % 10 != 3
    yesterday = today - dt.timedelta(days=1)
    return {
        "numero": number,
        "certification": code,
        "nom": rng.choice(LAST_NAMES) + (f"-{rng.choice(LAST_NAMES)}" if rng.random() < 0.3 else ""),
        "prenom": rng.choice(FIRST_NAMES[sex]),
        "date_naissance": f"{_birth(rng, awarded):%d/%m/%Y}",
        "sexe": sex if rng.random() < 0.9 else "",
        "nom_naissance": rng.choice(LAST_NAMES) if index % 9 == 0 else "",
        "lieu_naissance": rng.choice(("Paris", "Lyon", "Dakar (Sénégal)", "")),
        "date_attribution": f"{awarded:%d/%m/%Y}",
        "region": region,
        "date_jury": f"{jury:%d/%m/%Y}",
        "siret_evaluateur": rng.choice(sirets),
        "retire": "oui" if revoked else "non",
        "date_retrait": f"{min(awarded + dt.timedelta(days=200), yesterday):%d/%m/%Y}" if revoked else "",
        "motif_retrait": "Fraude à l'évaluation établie" if revoked else "",
        "transmis": "oui" if sent else "non",
        "date_transmission": f"{min(awarded + dt.timedelta(days=rng.randint(5, 80)), yesterday):%d/%m/%Y}"
        if sent
        else "",
    }


def _birth(rng: random.Random, awarded: dt.date) -> dt.date:
    return dt.date(awarded.year - rng.randint(19, 60), rng.randint(1, 12), rng.randint(1, 28))


def measure_takeover(path: Path, supervisor: User, batch: LegacyBatch, rows: int) -> list[Measure]:
    """Upload into the batch, check, confirm and apply, as the worker runs them; then the same file again."""
    with counting_statements() as statements:
        started = time.perf_counter()
        job = _upload(path, supervisor, batch)
        check = timed("check", "vérification (dry run)", rows, lambda: services.check_import(job.pk))
        _expect_counts(job, ImportStatus.VALIDATED, rows=rows, new_rows=rows)
        services.confirm_import(job, skip_invalid=False, actor=supervisor)
        apply = timed(
            "apply",
            "import (personnes, dossiers, sessions, certificats, compteurs, historique)",
            rows,
            lambda: services.apply_import(job.pk),
        )
        end_to_end = time.perf_counter() - started
    _expect_counts(job, ImportStatus.APPLIED, rows=rows, new_rows=rows)
    written = Certificate.objects.filter(legacy_batch=batch).count()
    if written != rows:
        raise CommandError(f"{written} certificats repris au lieu de {rows}.")
    again = _upload(path, supervisor, batch)
    recheck = timed(
        "recheck", "ré-import, vérification (rien ne change)", rows, lambda: services.check_import(again.pk)
    )
    _expect_counts(again, ImportStatus.VALIDATED, rows=rows, unchanged_rows=rows)
    services.cancel_import(again, actor=supervisor)
    total = Measure("end_to_end", "de bout en bout (dépôt → import)", rows, end_to_end, statements[0])
    return [check, apply, total, recheck]


def _upload(path: Path, actor: User, batch: LegacyBatch) -> ImportJob:
    with path.open("rb") as handle:
        upload = UploadedFile(handle, name=path.name, content_type="text/csv", size=path.stat().st_size)
        job = services.create_import(contract=CONTRACT, upload=upload, actor=actor)
    ImportJob.objects.filter(pk=job.pk).update(legacy_batch=batch)
    return job


def _expect_counts(job: ImportJob, status: str, *, rows: int, **counts: int) -> None:
    job.refresh_from_db()
    found = {name: getattr(job, name) for name in COUNTS}
    expected = dict.fromkeys(COUNTS, 0) | {"rows": rows, **counts}
    if job.status != status or found != expected:
        errors = list(job.row_errors.values_list("line", "column", "message")[:5])
        raise CommandError(
            f"import {job.pk} : {job.status} {found}, attendu {expected} ; "
            f"{job.outcome} {job.file_error} {errors}"
        )


def _supervisor(world: World) -> User:
    user = User.objects.create_user(
        username=f"banc.reprise.{world.siren}", first_name="Banc", last_name="Reprise"
    )
    user.groups.add(Group.objects.get(name=group_name(Role.SUPERVISOR)))
    set_user_scope(user, national=True, actor=None)
    return user


def _counters() -> list[tuple[tuple[str, int, str], int]]:
    return [
        ((prefix, year, region), last)
        for prefix, year, region, last in CertificateCounter.objects.values_list(
            "prefix", "year", "region_code", "last_number"
        )
    ]


def remove_takeover(
    world: World, supervisor: User, batch: LegacyBatch, counters: dict[tuple[str, int, str], int]
) -> None:
    """What the takeover wrote, children first (raw deletes: the audit trail refuses the ORM's), the counters
    as they were, then the world (`remove_world`: the sites, the organisation, the evaluator)."""
    jobs = ImportJob.objects.filter(uploaded_by=supervisor)
    stored = [name for job in jobs for name in (job.file.name, job.error_report.name) if name]
    # The run's batch, and any a takeover upload opened for itself.
    batches = LegacyBatch.objects.filter(Q(pk=batch.pk) | Q(created_by=supervisor))
    files = CaseFile.objects.filter(legacy_batch__in=batches)
    with transaction.atomic():
        file_type = ContentType.objects.get_for_model(CaseFile)
        ids = [str(pk) for pk in files.values_list("pk", flat=True)]
        for first in range(0, len(ids), 10_000):
            _delete(
                AuditEvent.objects.filter(subject_type=file_type, subject_id__in=ids[first : first + 10_000])
            )
        _delete(AuditEvent.objects.filter(actor=supervisor))
        for model, queryset in (
            (ImportJob, jobs),
            (LegacyBatch, batches),
            (User, User.objects.filter(pk=supervisor.pk)),
        ):
            keys = [str(pk) for pk in queryset.values_list("pk", flat=True)]
            subject_type = ContentType.objects.get_for_model(model)
            _delete(AuditEvent.objects.filter(subject_type=subject_type, subject_id__in=keys))
        _delete(Certificate.objects.filter(legacy_batch__in=batches))
        _delete(JurySession.objects.filter(legacy_batch__in=batches))
        _restore_counters(counters)
        people = Candidate.objects.filter(legacy_batch__in=batches)
        _delete(files)
        _delete(people)
        _delete(ImportRowError.objects.filter(job__in=jobs))
        _delete(jobs)
        _delete(batches)
        _delete(UserScope.regions.through.objects.filter(userscope__user=supervisor))
        _delete(UserScope.objects.filter(user=supervisor))
        _delete(User.groups.through.objects.filter(user=supervisor))
        _delete(User.objects.filter(pk=supervisor.pk))
    remove_world(world)
    for name in stored:
        default_storage.delete(name)


def _restore_counters(counters: dict[tuple[str, int, str], int]) -> None:
    """Series the run opened are deleted; those it moved on go back to where they were."""
    for key, last in _counters():
        prefix, year, region = key
        found = CertificateCounter.objects.filter(prefix=prefix, year=year, region_code=region)
        if key not in counters:
            _delete(found)
        elif counters[key] != last:
            found.update(last_number=counters[key])
