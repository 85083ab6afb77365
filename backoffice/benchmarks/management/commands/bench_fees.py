"""`manage.py bench_fees`: the fees of a year of a region's activity for 300 organisations, timed through the
real services on PostgreSQL — the organisations (one accredited SIRET each in Île-de-France, a tenth of them
also accredited for CléA Numérique during the year), N positionings over the year and the certificates of
45 % of them, written by COPY; then `compute_period` (the draft), `freeze_period` (computed again, numbered,
audited), the accounting file of the period and the PDF of the largest statement.

The computation bills every act of the database within the period: the command refuses a database that holds
case files or fee periods (run it on a throwaway database, docs/performance.md). It removes all it wrote
afterwards unless `--keep`."""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from accreditation.models import (
    Accreditation,
    AccreditationRole,
    Certification,
    Department,
    FrameworkStatus,
    FrameworkVersion,
    Organisation,
    Region,
    Site,
)
from backoffice.benchmarks.imports_world import _delete
from backoffice.core.accounts.models import User
from backoffice.core.audit.models import AuditEvent
from backoffice.core.bulksql import insert_alike
from backoffice.fees import accounting
from backoffice.fees.models import FeePeriod, Statement, StatementCounter, StatementLine
from backoffice.fees.services import compute_period, freeze_period, render_statement_pdf
from casefiles.models import (
    Assessment,
    AssessmentKind,
    Candidate,
    CaseFile,
    CaseFileState,
    Certificate,
    JurySession,
)
from fixtures.demo import make_postcode, make_siren, make_siret

LEGAL_NAME = "Banc d'essai des redevances"
IDF_DEPARTMENTS = ("75", "77", "78", "91", "92", "93", "94", "95")


@dataclass
class Run:
    today: dt.date
    organisation_ids: list[int]
    site_ids: list[int]
    assessor: User
    session_ids: list[int]
    counters: dict[int, int] = field(default_factory=dict)  # the year's statement counter before the run


class Command(BaseCommand):
    help = (
        "Mesure le calcul et l'émission des relevés de redevances d'une année d'activité d'une région pour "
        "300 organismes. PostgreSQL seulement, base jetable."
    )

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--organisations", type=int, default=300)
        parser.add_argument(
            "--positionings", type=int, default=4000, help="évaluations préalables sur l'année"
        )
        parser.add_argument("--seed", type=int, default=2024)
        parser.add_argument("--keep", action="store_true", help="garder les données et les relevés")

    def handle(self, *args: Any, **options: Any) -> None:
        self.refuse_unfit_database()
        today = timezone.localdate()
        started = time.perf_counter()
        run = write_world(today, options["organisations"], options["positionings"], seed=options["seed"])
        self.stdout.write(
            f"Données : {options['organisations']} organismes, {options['positionings']:,} évaluations "
            f"préalables sur un an et leurs certificats, écrits en {time.perf_counter() - started:.1f} s"
        )
        try:
            self.measure(run)
        finally:
            if options["keep"]:
                self.stdout.write("Gardés : les organismes, leurs actes et les relevés.")
            else:
                remove_run(run)
                self.stdout.write("Nettoyé : relevés, périodes, actes, dossiers, organismes, historique.")

    def refuse_unfit_database(self) -> None:
        if connection.vendor != "postgresql":
            raise CommandError(
                "Ce banc d'essai mesure PostgreSQL : lancez-le avec DATABASE_URL vers une base PostgreSQL "
                "jetable (voir docs/performance.md). Rien n'a été fait."
            )
        if CaseFile.objects.exists() or FeePeriod.objects.exists():
            raise CommandError(
                "Cette base contient déjà des dossiers ou des périodes de redevances : le calcul les "
                "prendrait. Lancez-le sur une base jetable (voir docs/performance.md). Rien n'a été fait."
            )

    def measure(self, run: Run) -> None:
        start, end = run.today - dt.timedelta(days=365), run.today - dt.timedelta(days=1)
        load = os.getloadavg()[0]
        timings: list[tuple[str, float]] = []
        began = time.perf_counter()
        period = compute_period(start, end, actor=None)
        timings.append(("calcul (brouillon)", time.perf_counter() - began))
        began = time.perf_counter()
        freeze_period(period, actor=None)
        timings.append(("émission (calcul à nouveau, numéros, journal)", time.perf_counter() - began))
        began = time.perf_counter()
        out = io.BytesIO()
        rows = accounting.write_accounting_csv(out, period)
        timings.append(("fichier comptable (CSV)", time.perf_counter() - began))
        largest = Statement.objects.filter(period=period).annotate(n=Count("lines")).order_by("-n").first()
        began = time.perf_counter()
        if largest is not None:
            render_statement_pdf(largest.pk)
        timings.append(("PDF du plus gros relevé", time.perf_counter() - began))
        statements = Statement.objects.filter(period=period).count()
        lines = StatementLine.objects.filter(statement__period=period).count()
        version = connection.pg_version  # type: ignore[attr-defined]
        self.stdout.write(
            f"Redevances {period} : {statements} relevés, {lines:,} lignes, PostgreSQL "
            f"{version // 10000}.{version % 100}, {os.cpu_count()} cœurs, charge moyenne {load:.1f} au début "
            f"et {os.getloadavg()[0]:.1f} à la fin"
        )
        self.stdout.write("| mesure | s |")
        self.stdout.write("|---|---|")
        for label, seconds in timings:
            self.stdout.write(f"| {label} | {seconds:.2f} |")
        self.stdout.write(
            f"| calcul + émission | {timings[0][1] + timings[1][1]:.2f} |\n"
            f"Fichier comptable : {rows:,} lignes, {len(out.getvalue()) / 1024:.0f} Ko."
        )


def write_world(today: dt.date, organisations: int, positionings: int, *, seed: int) -> Run:
    """The organisations and their SIRETs (bulk), a year of acts by COPY: positionings, certificates."""
    rng = random.Random(seed)
    clea, numerique = Certification.objects.get(code="CLEA"), Certification.objects.get(code="CLEA_NUM")
    framework = FrameworkVersion.objects.get(certification=clea, status=FrameworkStatus.PUBLISHED)
    region = Region.objects.get(code="IDF")
    departments = list(Department.objects.filter(code__in=IDF_DEPARTMENTS))
    with transaction.atomic():
        orgs = Organisation.objects.bulk_create(
            Organisation(siren=_free_siren(rng), legal_name=f"{LEGAL_NAME} {n:03d}")
            for n in range(organisations)
        )
        sites = Site.objects.bulk_create(_site(org, rng.choice(departments), rng) for org in orgs)
        Accreditation.objects.bulk_create(_grants(sites, clea, numerique, today, rng))
        assessor = User.objects.create_user(username=f"banc.redevances.{orgs[0].siren}", last_name="Banc")
        sessions = JurySession.objects.bulk_create(
            JurySession(
                region=region,
                held_on=today - dt.timedelta(days=30 * m + 3),
                place=LEGAL_NAME,
                status="closed",
                cutoff_on=today - dt.timedelta(days=30 * m + 17),
            )
            for m in range(12)
        )
        days = sorted(today - dt.timedelta(days=rng.randint(1, 365)) for _ in range(positionings))
        candidates = insert_alike(
            Candidate(status="jobseeker", postcode="93200", birth_date=dt.date(1990, 1, 1)),
            positionings,
            last_name=[f"Banc{n}" for n in range(positionings)],
            first_name=["Essai"] * positionings,
        )
        files = insert_alike(
            CaseFile(certification=clea, framework_version=framework, state=CaseFileState.TRAINING),
            positionings,
            candidate=candidates,
            evaluation_site=[rng.choice(sites).pk for _ in range(positionings)],
            opened_on=[day - dt.timedelta(days=7) for day in days],
        )
        insert_alike(
            Assessment(kind=AssessmentKind.POSITIONING, assessor=assessor, results={}),
            positionings,
            returning_ids=False,
            case_file=files,
            assessed_on=days,
        )
        certified = [(pk, day) for pk, day in zip(files, days, strict=True) if rng.random() < 0.45]
        certified = [
            (pk, day + dt.timedelta(days=60)) for pk, day in certified if day + dt.timedelta(60) < today
        ]
        insert_alike(
            Certificate(certification=clea, region=region, status="issued", holder_first_name="Essai"),
            len(certified),
            returning_ids=False,
            case_file=[pk for pk, _ in certified],
            number=[f"CLEA-BANC-{pk:08d}" for pk, _ in certified],
            session=[rng.choice(sessions).pk for _ in certified],
            holder_last_name=[f"Banc{pk}" for pk, _ in certified],
            awarded_on=[day for _, day in certified],
            issued_at=[timezone.make_aware(dt.datetime.combine(day, dt.time(10))) for _, day in certified],
        )
    year = today.year
    counters = dict(StatementCounter.objects.filter(year=year).values_list("year", "last_number"))
    return Run(
        today, [o.pk for o in orgs], [s.pk for s in sites], assessor, [s.pk for s in sessions], counters
    )


def _free_siren(rng: random.Random) -> str:
    while True:
        siren = make_siren(rng)
        if not Organisation.objects.filter(siren=siren).exists():
            return siren


def _site(organisation: Organisation, department: Department, rng: random.Random) -> Site:
    return Site(
        organisation=organisation,
        siret=make_siret(organisation.siren, 1),
        name=organisation.legal_name,
        address="1 rue de l'Essai",
        postcode=make_postcode(department, rng),
        city="Banc",
        department=department,
        region_id=department.region_id,
    )


def _grants(
    sites: list[Site], clea: Certification, numerique: Certification, today: dt.date, rng: random.Random
) -> Iterator[Accreditation]:
    """Every SIRET accredited for CléA for years; one in ten for CléA Numérique during the year (billed)."""
    for site in sites:
        yield _grant(site, clea, today - dt.timedelta(days=800))
        if rng.random() < 0.1:
            yield _grant(site, numerique, today - dt.timedelta(days=rng.randint(2, 360)))


def _grant(site: Site, certification: Certification, since: dt.date) -> Accreditation:
    return Accreditation(
        site=site,
        certification=certification,
        role=AccreditationRole.EVALUATOR,
        valid_from=since,
        valid_to=since + dt.timedelta(days=3 * 365),
    )


@contextmanager
def _frozen_lines_guard_off() -> Iterator[None]:
    """The issued lines' trigger (fees 0003) off for this transaction's delete, back on before it commits."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no foreign-key check left pending on the table
        cursor.execute("ALTER TABLE fees_statementline DISABLE TRIGGER fees_statementline_frozen")
        yield
        cursor.execute("ALTER TABLE fees_statementline ENABLE TRIGGER fees_statementline_frozen")


def remove_run(run: Run) -> None:
    """What the run wrote, children first (raw deletes: the audit trail and issued statements refuse the
    ORM's), the year's statement counter as it was."""
    files = CaseFile.objects.filter(evaluation_site_id__in=run.site_ids)
    statements = Statement.objects.filter(organisation_id__in=run.organisation_ids)
    periods = list(statements.values_list("period_id", flat=True).distinct())
    stored = [name for name in statements.values_list("pdf", flat=True) if name]
    with transaction.atomic():
        for model, keys in (
            (Statement, list(statements.values_list("pk", flat=True))),
            (FeePeriod, periods),
        ):
            subject_type = ContentType.objects.get_for_model(model)
            _delete(
                AuditEvent.objects.filter(subject_type=subject_type, subject_id__in=[str(k) for k in keys])
            )
        with _frozen_lines_guard_off():  # the database refuses to delete an issued statement's lines
            _delete(StatementLine.objects.filter(statement__in=statements))
        _delete(statements)
        _delete(FeePeriod.objects.filter(pk__in=periods))
        StatementCounter.objects.filter(year=run.today.year).delete()
        for year, last in run.counters.items():
            StatementCounter.objects.create(year=year, last_number=last)
        _delete(Certificate.objects.filter(case_file__in=files))
        _delete(Assessment.objects.filter(case_file__in=files))
        candidates = list(files.values_list("candidate_id", flat=True))
        _delete(files)
        _delete(Candidate.objects.filter(pk__in=candidates))
        _delete(JurySession.objects.filter(pk__in=run.session_ids))
        _delete(Accreditation.objects.filter(site_id__in=run.site_ids))
        _delete(Site.objects.filter(pk__in=run.site_ids))
        _delete(Organisation.objects.filter(pk__in=run.organisation_ids))
        _delete(User.objects.filter(pk=run.assessor.pk))
    for name in stored:
        default_storage.delete(name)
