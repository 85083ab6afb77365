"""`manage.py bench_transmission`: the holders' transmission to the training-account system (SI CPF) at
national scale, timed through the real services on PostgreSQL — N issued certificates (default 50,000: the
regions, the three certifications, six months of awards, complete identities, one holder in ten born abroad)
written by COPY, then `request_transmission` and `build_transmission` (the claim, the streamed XML, the
schema validation, marking sent), the file deposited by a supervisor, and the CDC's receipt accepting all but
1 % applied with `apply_receipt`.

The transmission takes every certificate due in the database: the command refuses one that holds
certificates (run it on a throwaway database, docs/performance.md). It builds its own organisation, sites,
jury sessions and supervisor, and removes all it wrote afterwards unless `--keep`."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from unittest import mock

from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from faker.providers.person.fr_FR import Provider as FrenchNames

from accreditation.models import Certification, FrameworkStatus, FrameworkVersion, Region, UserScope
from accreditation.services import set_user_scope
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
from backoffice.core.bulksql import insert_alike, refresh_statistics
from backoffice.notifications.models import Notification
from casefiles.cdc.receipts import build_receipt
from casefiles.models import (
    Candidate,
    CaseFile,
    CaseFileState,
    Certificate,
    CertificateStatus,
    JurySession,
    Passage,
    Transmission,
    TransmissionStatus,
)
from casefiles.rules.identity import identity_key
from casefiles.services import transmissions

# Certification: share of the holders, RS code used for the run when the reference data has none.
CERTIFICATIONS = {"CLEA": (85, "RS5080"), "CLEA_NUM": (12, "RS5081"), "CLEA_MGT": (3, "RS6052")}
COMMUNES = ("75056", "69123", "13055", "31555", "59350", "33063", "44109", "67482", "2A004", "97411")
COUNTRIES = ("99350", "99352", "99109", "99134", "99139", "99341")  # Maroc, Algérie, Allemagne…
REJECTED_SHARE = 0.01
MONTHS = 6
LAST_NAMES = list(FrenchNames.last_names)
FIRST_NAMES = {"F": list(FrenchNames.first_names_female), "M": list(FrenchNames.first_names_male)}
MB = 1024 * 1024


@dataclass
class Run:
    world: World
    supervisor: User
    rs_codes: dict[int, str]  # certification id → its RS code before the run
    session_ids: list[int]


@dataclass
class Figures:
    request: float = 0.0
    build: float = 0.0
    receipt: float = 0.0
    file_bytes: int = 0
    accepted: int = 0
    rejected: int = 0
    rss_before: float = 0.0
    rss_build: float = 0.0
    rss_receipt: float = 0.0


class Command(BaseCommand):
    help = (
        "Mesure la transmission des titulaires au SI CPF (préparation du fichier XML, validation par le "
        "schéma, accusé de traitement) sur N certificats délivrés. PostgreSQL seulement, base jetable."
    )

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--certificates", type=int, default=50_000, help="certificats délivrés")
        parser.add_argument("--seed", type=int, default=2021)
        parser.add_argument("--keep", action="store_true", help="garder les certificats et la transmission")

    def handle(self, *args: Any, **options: Any) -> None:
        count = options["certificates"]
        self.refuse_unfit_database(count)
        ensure_reference_data()
        today = timezone.localdate()
        run = prepare(today, seed=options["seed"])
        try:
            started = time.perf_counter()
            write_certificates(run, count, today=today, seed=options["seed"])
            self.stdout.write(
                f"Données : {count:,} certificats délivrés en {time.perf_counter() - started:.1f} s"
            )
            load = os.getloadavg()[0]
            figures = measure(run, count)
            self.report(count, figures, load=(load, os.getloadavg()[0]))
        finally:
            if options["keep"]:
                self.stdout.write(f"Gardés : les certificats et la transmission (SIREN {run.world.siren}).")
            else:
                remove_run(run)
                self.stdout.write(
                    "Nettoyé : transmission et fichier, certificats, dossiers, personnes, sessions, "
                    "historique."
                )

    def refuse_unfit_database(self, count: int) -> None:
        if count < 1:
            raise CommandError("--certificates doit valoir au moins 1. Rien n'a été fait.")
        if connection.vendor != "postgresql":
            raise CommandError(
                "Ce banc d'essai mesure PostgreSQL : lancez-le avec DATABASE_URL vers une base PostgreSQL "
                "jetable (voir docs/performance.md). Rien n'a été fait."
            )
        if Certificate.objects.exists() or Transmission.objects.exists():
            raise CommandError(
                "Cette base contient déjà des certificats ou des transmissions : la transmission du banc "
                "d'essai les prendrait. Lancez-le sur une base jetable (voir docs/performance.md). "
                "Rien n'a été fait."
            )

    def report(self, count: int, figures: Figures, *, load: tuple[float, float]) -> None:
        version = connection.pg_version  # type: ignore[attr-defined]
        building = figures.request + figures.build
        self.stdout.write(
            f"Transmission au SI CPF : {count:,} titulaires, PostgreSQL {version // 10000}.{version % 100}, "
            f"{os.cpu_count()} cœurs, charge moyenne {load[0]:.1f} au début des mesures et "
            f"{load[1]:.1f} à la fin"
        )
        self.stdout.write("| mesure | titulaires | s | titulaires/s |")
        self.stdout.write("|---|---|---|---|")
        for label, seconds in (
            ("demande (request_transmission)", figures.request),
            ("préparation (réservation, XML, validation XSD, marqués transmis)", figures.build),
            ("demande + préparation", building),
            (f"accusé ({figures.accepted:,} acceptés, {figures.rejected:,} rejetés)", figures.receipt),
            ("total", building + figures.receipt),
        ):
            self.stdout.write(f"| {label} | {count:,} | {seconds:.2f} | {count / max(seconds, 1e-9):,.0f} |")
        self.stdout.write(
            f"Fichier : {figures.file_bytes / MB:.1f} Mo "
            f"({figures.file_bytes / count:,.0f} octets par titulaire). "
            f"Mémoire (pic RSS du processus) : {figures.rss_before:.0f} Mo avant les mesures, "
            f"{figures.rss_build:.0f} Mo après la préparation, {figures.rss_receipt:.0f} Mo après l'accusé."
        )


def peak_rss_mb() -> float:
    """The process's high-water mark (kilobytes on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# The data.


def prepare(today: dt.date, *, seed: int) -> Run:
    """An organisation with its sites (`imports_world`), a national supervisor, a closed jury session per
    region and month, and the RS codes the file needs."""
    world = build_world(today, seed=seed)
    supervisor = User.objects.create_user(
        username=f"banc.cpf.{world.siren}", first_name="Banc", last_name="Transmission"
    )
    supervisor.groups.add(Group.objects.get(name=group_name(Role.SUPERVISOR)))
    set_user_scope(supervisor, national=True, actor=None)
    rs_codes = {}
    for certification in Certification.objects.filter(code__in=CERTIFICATIONS):
        rs_codes[certification.pk] = certification.rs_code
        if not certification.rs_code:
            Certification.objects.filter(pk=certification.pk).update(
                rs_code=CERTIFICATIONS[certification.code][1]
            )
    sessions = [
        JurySession(
            region=region,
            held_on=held_on,
            place=f"Banc d'essai SI CPF {region.name}",
            status="closed",
            cutoff_on=held_on - dt.timedelta(days=14),
        )
        for region in Region.objects.order_by("code")
        for held_on in (today - dt.timedelta(days=30 * month + 5) for month in range(MONTHS))
    ]
    JurySession.objects.bulk_create(sessions)
    return Run(world, supervisor, rs_codes, [s.pk for s in sessions])


def write_certificates(run: Run, count: int, *, today: dt.date, seed: int) -> None:
    """Holders, their certified files and issued certificates, three COPYs whatever `count`."""
    rng = random.Random(seed)
    certifications = list(Certification.objects.filter(code__in=CERTIFICATIONS).order_by("code"))
    frameworks = {
        f.certification_id: f.pk
        for f in FrameworkVersion.objects.filter(
            certification__in=certifications, status=FrameworkStatus.PUBLISHED
        )
    }
    weights = [CERTIFICATIONS[c.code][0] for c in certifications]
    sessions = list(JurySession.objects.filter(pk__in=run.session_ids).select_related("region"))
    sites = list(run.world.organisation.sites.values_list("pk", flat=True))
    people = [_person(rng) for _ in range(count)]
    picks = rng.choices(certifications, weights, k=count)
    juries = [rng.choice(sessions) for _ in range(count)]
    with transaction.atomic():
        candidates = insert_alike(
            Candidate(status="jobseeker", postcode="93200", birth_date=today),
            count,
            **{key: [p[key] for p in people] for key in people[0]},
        )
        files = insert_alike(
            CaseFile(state=CaseFileState.CERTIFIED, opened_on=today),
            count,
            candidate=candidates,
            certification=[c.pk for c in picks],
            framework_version=[frameworks[c.pk] for c in picks],
            evaluation_site=[rng.choice(sites) for _ in range(count)],
            reference=[f"CPF-{n:07d}" for n in range(count)],
            opened_on=[j.held_on - dt.timedelta(days=120) for j in juries],
            closed_on=[j.held_on for j in juries],
        )
        now = timezone.now()
        insert_alike(
            Certificate(status=CertificateStatus.ISSUED, issued_at=now, awarded_on=today),
            count,
            returning_ids=False,
            case_file=files,
            number=[
                f"{c.number_prefix}-{j.held_on.year}-{j.region.code}-{900_000 + n:06d}"
                for n, (c, j) in enumerate(zip(picks, juries, strict=True))
            ],
            certification=[c.pk for c in picks],
            region=[j.region_id for j in juries],
            session=[j.pk for j in juries],
            holder_last_name=[p["last_name"] for p in people],
            holder_first_name=[p["first_name"] for p in people],
            awarded_on=[j.held_on for j in juries],
        )
    refresh_statistics([Candidate, CaseFile, Certificate])


def _person(rng: random.Random) -> dict[str, Any]:
    sex = rng.choice("FM")
    last_name = rng.choice(LAST_NAMES)
    married = sex == "F" and rng.random() < 0.3
    first_name = rng.choice(FIRST_NAMES[sex])
    birth = dt.date(rng.randint(1960, 2005), rng.randint(1, 12), rng.randint(1, 28))
    abroad = rng.random() < 0.1
    return {
        "last_name": rng.choice(LAST_NAMES) if married else last_name,
        "birth_name": last_name,
        "first_name": first_name,
        "first_name_2": rng.choice(FIRST_NAMES[sex]) if rng.random() < 0.4 else "",
        "sex": sex,
        "birth_date": birth,
        "birth_commune_code": "" if abroad else rng.choice(COMMUNES),
        "birth_country_code": rng.choice(COUNTRIES) if abroad else "",
        "identity_key": identity_key(last_name, first_name, birth),
    }


# The measures.


def measure(run: Run, count: int) -> Figures:
    """Request and build (as the worker would, here in this process), deposit, then the receipt."""
    figures = Figures(rss_before=peak_rss_mb())
    # The build is timed here: the message the request enqueues for the worker is not sent.
    with mock.patch.object(transmissions, "_enqueue_build"):
        transmission, figures.request = _timed(lambda: transmissions.request_transmission(actor=None))
    outcome, figures.build = _timed(lambda: transmissions.build_transmission(transmission.pk))
    transmission.refresh_from_db()
    if transmission.status != TransmissionStatus.READY or transmission.passages != count:
        raise CommandError(
            f"Transmission {transmission.id_flux} : {transmission.get_status_display()}, "
            f"{transmission.passages} titulaire(s) sur {count} ({outcome}) ; {transmission.problems[:500]}"
        )
    figures.file_bytes, figures.rss_build = transmission.file.size, peak_rss_mb()
    transmission = transmissions.mark_deposited(transmission, actor=run.supervisor)
    content = _receipt(transmission, count)
    counts, figures.receipt = _timed(
        lambda: transmissions.apply_receipt(transmission, content, name="accuse.xml", actor=run.supervisor)
    )
    figures.accepted, figures.rejected, figures.rss_receipt = (
        counts["accepted"],
        counts["rejected"],
        peak_rss_mb(),
    )
    return figures


def _timed(action: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    result = action()
    return result, time.perf_counter() - started


def _receipt(transmission: Transmission, count: int) -> bytes:
    """What the CDC would answer: all accepted but one holder in a hundred (at least one), not matched."""
    ids = list(transmission.passage_rows.order_by("pk").values_list("id_technique", flat=True))
    step = max(1, round(1 / REJECTED_SHARE))
    rejected = set(ids[step // 2 :: step]) or {ids[0]}
    return build_receipt(
        id_flux=transmission.id_flux,
        file_name=transmission.file_name,
        accepted=[i for i in ids if i not in rejected],
        rejected=[
            (i, "TITULAIRE_INCONNU", "Aucun titulaire ne correspond aux données transmises.")
            for i in sorted(rejected)
        ],
        processed_on=dt.datetime.now(dt.UTC),
    )


# Cleaning up.


def remove_run(run: Run) -> None:
    """What the run wrote, children first (raw deletes: the audit trail refuses the ORM's), the RS codes as
    they were, then the world (`remove_world`: the sites, the organisation, the evaluator)."""
    supervisor, evaluator = run.supervisor, run.world.evaluator
    files = CaseFile.objects.filter(evaluation_site__organisation=run.world.organisation)
    certificates = Certificate.objects.filter(case_file__in=files)
    sent = Transmission.objects.filter(
        Q(passage_rows__certificate__in=certificates) | Q(created_by=supervisor)
    )
    stored = [name for name in sent.values_list("file", flat=True).distinct() if name]
    with transaction.atomic():
        file_type = ContentType.objects.get_for_model(CaseFile)
        # Lists of keys, not a subquery: `subject_id IN (SELECT id::varchar …)` is planned without the
        # subject index (seen: 13 minutes for 50,000 files).
        keys = [str(pk) for pk in files.values_list("pk", flat=True)]
        for first in range(0, len(keys), 10_000):
            _delete(
                AuditEvent.objects.filter(subject_type=file_type, subject_id__in=keys[first : first + 10_000])
            )
        sent_type = ContentType.objects.get_for_model(Transmission)
        sent_keys = [str(pk) for pk in sent.values_list("pk", flat=True).distinct()]
        _delete(AuditEvent.objects.filter(subject_type=sent_type, subject_id__in=sent_keys))
        _delete(AuditEvent.objects.filter(actor=supervisor))
        user_type = ContentType.objects.get_for_model(User)
        _delete(AuditEvent.objects.filter(subject_type=user_type, subject_id=str(supervisor.pk)))
        _delete(Notification.objects.filter(recipient__in=[supervisor, evaluator]))
        _delete(Passage.objects.filter(transmission_id__in=[int(k) for k in sent_keys]))
        _delete(Transmission.objects.filter(pk__in=[int(k) for k in sent_keys]))
        _delete(certificates)
        _delete(JurySession.objects.filter(pk__in=run.session_ids))
        for pk, rs_code in run.rs_codes.items():
            Certification.objects.filter(pk=pk).update(rs_code=rs_code)
        _delete(UserScope.regions.through.objects.filter(userscope__user=supervisor))
        _delete(UserScope.objects.filter(user=supervisor))
        _delete(User.groups.through.objects.filter(user=supervisor))
        _delete(User.objects.filter(pk=supervisor.pk))
    remove_world(run.world)  # the files, their holders, the sites, the organisation, the evaluator
    for name in stored:
        default_storage.delete(name)
