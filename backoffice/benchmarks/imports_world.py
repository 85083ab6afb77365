"""The world `bench_imports` measures in: an organisation with accredited evaluator sites, one evaluator,
its candidates file; and the removal of all of it, files and pathways included."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import random
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import default_storage
from django.core.management.base import CommandError
from django.db import connection, models, transaction
from faker.providers.person.fr_FR import Provider as FrenchNames
from viewflow.workflow.models import Process, Task

from accreditation.models import (
    Accreditation,
    AccreditationRole,
    AccreditationStatusChange,
    Certification,
    Department,
    FrameworkStatus,
    FrameworkVersion,
    Organisation,
    Site,
    UserScope,
)
from accreditation.services import add_site, grant_accreditation, register_organisation, set_user_scope
from backoffice.core.accounts.models import User
from backoffice.core.accounts.roles import Role, group_name
from backoffice.core.audit.models import AuditEvent
from backoffice.imports.contracts.candidates import CandidatesContract
from backoffice.imports.models import ImportJob, ImportRowError
from casefiles.models import (
    Assessment,
    Candidate,
    CaseFile,
    DomainAcquisition,
)
from fixtures.demo import make_siren, make_siret

HEADER = CandidatesContract().template_header()
CERTIFICATIONS = ("CLEA", "CLEA_NUM", "CLEA_MGT")
SITES = 20
WORLD_NAME = "Banc d'essai des imports"
LAST_NAMES = list(FrenchNames.last_names)
FIRST_NAMES = {"F": list(FrenchNames.first_names_female), "M": list(FrenchNames.first_names_male)}
SECTORS = ("Logistique", "Commerce", "Aide à la personne", "Petite enfance", "Accueil", "Industrie", "")
REFERRER_CODES = ("", "france_travail", "france_travail", "employeur", "opco", "region", "cep", "autre")
STATUS_CODES = ("demandeur_emploi", "demandeur_emploi", "salarie", "autre")


@dataclass
class World:
    organisation: Organisation
    evaluator: User
    siren: str
    sirets: list[str]


def ensure_reference_data() -> None:
    published = set(
        FrameworkVersion.objects.filter(
            status=FrameworkStatus.PUBLISHED, certification__code__in=CERTIFICATIONS
        ).values_list("certification__code", flat=True)
    )
    if published != set(CERTIFICATIONS) or not Department.objects.filter(code="93").exists():
        raise CommandError("Données de référence absentes : lancez d'abord `manage.py load_reference`.")


def build_world(today: dt.date, *, seed: int) -> World:
    """Through the services, as the demo builds its organisations: valid SIRETs, audited grants."""
    rng = random.Random(seed)
    siren = make_siren(rng)
    while Organisation.objects.filter(siren=siren).exists():  # a run kept with --keep
        siren = make_siren(rng)
    department = Department.objects.get(code="93")
    with transaction.atomic():
        organisation = register_organisation(siren=siren, legal_name=WORLD_NAME, actor=None)
        for index in range(1, SITES + 1):
            site = add_site(
                organisation,
                siret=make_siret(siren, index),
                name=f"{WORLD_NAME} – site {index}",
                address=f"{index} rue de l'Essai",
                postcode="93200",
                city="Saint-Denis",
                department=department,
                actor=None,
            )
            for certification in Certification.objects.filter(code__in=CERTIFICATIONS):
                grant_accreditation(
                    site,
                    certification=certification,
                    role=AccreditationRole.EVALUATOR,
                    valid_from=today - dt.timedelta(days=400),
                    actor=None,
                )
        evaluator = User.objects.create_user(
            username=f"banc.imports.{siren}",
            email=f"banc.imports.{siren}@example.org",  # the assessor named in the results file
            first_name="Banc",
            last_name="Essai",
        )
        evaluator.groups.add(Group.objects.get(name=group_name(Role.EVALUATOR_STAFF)))
        set_user_scope(evaluator, organisation=organisation, actor=None)
    sirets = [make_siret(siren, index) for index in range(1, SITES + 1)]
    return World(organisation, evaluator, siren, sirets)


def write_candidates(path: Path, *, rows: int, sirets: list[str], today: dt.date, seed: int) -> None:
    """What an organisation sends: the contract's columns, unique references and people, `;`, dd/mm/yyyy."""
    rng = random.Random(seed)
    people: set[tuple[str, str, int]] = set()
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow(HEADER)
        for index in range(1, rows + 1):
            line = _candidate_line(rng, index, sirets, today, people)
            writer.writerow([line.get(name, "") for name in HEADER])


def _candidate_line(
    rng: random.Random, index: int, sirets: list[str], today: dt.date, people: set[tuple[str, str, int]]
) -> dict[str, str]:
    sex = rng.choice("FM")
    while True:  # one person per line: a second line for the same person would be refused
        last = rng.choice(LAST_NAMES) + (f"-{rng.choice(LAST_NAMES)}" if rng.random() < 0.25 else "")
        first, age = rng.choice(FIRST_NAMES[sex]), rng.randint(18 * 365, 64 * 365)
        if (last, first, age) not in people:
            people.add((last, first, age))
            break
    email = f"{_ascii(first)}.{_ascii(last)}.{index}@example.org" if rng.random() < 0.8 else ""
    phone = " ".join(["06", *(f"{rng.randint(0, 99):02d}" for _ in range(4))]) if rng.random() < 0.7 else ""
    return {
        "reference": f"DOS-{index:07d}",
        "siret_evaluateur": rng.choice(sirets),
        "certification": rng.choices(CERTIFICATIONS, weights=(70, 25, 5))[0],
        "nom": last,
        "prenom": first,
        "date_naissance": f"{today - dt.timedelta(days=age):%d/%m/%Y}",
        "sexe": sex if rng.random() < 0.9 else "",
        "email": email,
        "telephone": phone,
        "code_postal": f"{rng.randint(1_000, 95_999):05d}",
        "statut": rng.choice(STATUS_CODES),
        "secteur": rng.choice(SECTORS),
        "prescripteur": rng.choice(REFERRER_CODES),
        "date_accueil": f"{today - dt.timedelta(days=rng.randint(0, 300)):%d/%m/%Y}",
    }


def _ascii(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "".join(char for char in plain if char.isalnum())


def remove_world(world: World) -> None:
    """Delete what the run created, children first, in one transaction (foreign keys are checked at commit).
    Raw deletes: the audit trail refuses deletion through the ORM, rightly for real records, and the collector
    would load every one of the files."""
    organisation, evaluator = world.organisation, world.evaluator
    files = CaseFile.objects.filter(evaluation_site__organisation=organisation)
    jobs = ImportJob.objects.filter(uploaded_by=evaluator)
    stored = [name for job in jobs for name in (job.file.name, job.error_report.name) if name]
    sites = Site.objects.filter(organisation=organisation)
    others = CaseFile.objects.exclude(evaluation_site__organisation=organisation)
    _maintain("ANALYZE")  # statistics of empty tables would plan the deletes below as nested loops
    with transaction.atomic():
        _delete_events(world, sites, jobs)
        processes = files.values("process_id")
        _delete(Task.previous.through.objects.filter(from_task__process_id__in=processes))
        _delete(Task.objects.filter(process_id__in=processes))
        _delete(Process.objects.filter(pk__in=processes))
        _delete(DomainAcquisition.objects.filter(case_file__in=files))
        _delete(Assessment.objects.filter(case_file__in=files))
        _delete(
            Candidate.objects.filter(pk__in=files.values("candidate_id")).exclude(
                pk__in=others.values("candidate_id")
            )
        )
        _delete(files)
        _delete(ImportRowError.objects.filter(job__in=jobs))
        _delete(jobs)
        _delete(UserScope.regions.through.objects.filter(userscope__user=evaluator))
        _delete(UserScope.objects.filter(user=evaluator))
        _delete(User.groups.through.objects.filter(user=evaluator))
        _delete(User.objects.filter(pk=evaluator.pk))
        _delete(AccreditationStatusChange.objects.filter(accreditation__site__organisation=organisation))
        _delete(Accreditation.objects.filter(site__organisation=organisation))
        _delete(Site.departments_covered.through.objects.filter(site__organisation=organisation))
        _delete(sites)
        _delete(Organisation.objects.filter(pk=organisation.pk))
    if not connection.in_atomic_block:  # else a test's transaction, where nothing was committed
        _maintain("VACUUM (ANALYZE)")  # dead rows would slow the next run's index scans until autovacuum
    for name in stored:
        default_storage.delete(name)
        with contextlib.suppress(OSError, NotImplementedError):  # the emptied folder, on a local disk
            Path(default_storage.path(name)).parent.rmdir()


def _delete_events(world: World, sites: models.QuerySet[Site], jobs: models.QuerySet[ImportJob]) -> None:
    """The evaluator's events (imports, opened files), and the system's about the world it built."""
    _delete(AuditEvent.objects.filter(actor=world.evaluator))
    subjects: list[tuple[type[models.Model], models.QuerySet[Any]]] = [
        (Organisation, Organisation.objects.filter(pk=world.organisation.pk)),
        (Site, sites),
        (Accreditation, Accreditation.objects.filter(site__in=sites)),
        (User, User.objects.filter(pk=world.evaluator.pk)),
        (ImportJob, jobs),
    ]
    for model, queryset in subjects:
        keys = [str(pk) for pk in queryset.values_list("pk", flat=True)]
        subject_type = ContentType.objects.get_for_model(model)
        _delete(AuditEvent.objects.filter(subject_type=subject_type, subject_id__in=keys))


def _maintain(command: str) -> None:
    tables = [
        Candidate,
        CaseFile,
        DomainAcquisition,
        Assessment,
        Process,
        Task,
        Task.previous.through,
        AuditEvent,
        ImportJob,
    ]
    with connection.cursor() as cursor:
        for model in tables:
            cursor.execute(f"{command} {connection.ops.quote_name(model._meta.db_table)}")


def _delete(queryset: models.QuerySet[Any]) -> int:
    return queryset._raw_delete(queryset.db)
