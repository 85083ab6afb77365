"""A national-scale history for the dashboards benchmark, written by PostgreSQL COPY: organisations, sites,
evaluator accreditations and staff, monthly regional jury sessions, then candidates and case files over ten
years, each with its candidate pathway (the Viewflow process and every task row the flow itself writes:
start, steps, gateways, 5-year timers, jury step, outcome, end), its training plans, its jury decisions
and, once awarded, its certificate. Generated in chunks of files, one transaction each, memory bounded.

Not generated (say so in reports): assessments and domain grids, the training plans' domains, jury members,
votes and declarations, audit events, documents."""

from __future__ import annotations

import bisect
import datetime as dt
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.db.models import Model
from faker.providers.person.fr_FR import Provider as FrenchNames
from viewflow.workflow.fields import get_flow_ref, get_task_ref
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import PROCESS, STATUS

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
    UserScope,
)
from backoffice.core.accounts.models import User
from backoffice.core.accounts.roles import Role, group_name
from backoffice.core.bulksql import _reserve_ids, insert_rows, refresh_statistics
from casefiles.models import (
    AgendaItem,
    Candidate,
    CaseFile,
    CaseFileState,
    Certificate,
    CertificateCounter,
    JurySession,
    TrainingPlan,
)
from casefiles.rules.identity import identity_key
from fixtures.demo import ORG_PATTERNS, make_postcode, make_siren, make_siret
from fixtures.population import (
    AGE_BANDS,
    FUNDINGS,
    REFERRERS,
    REGION_WEIGHTS,
    SECTORS,
    SEX,
    STATUS_WEIGHTS,
    opening_days,
    weighted,
)
from workflows.pathway.flow import CandidatePathwayFlow

DAY = 86_400.0
# Certification: share of the files, first day files may be opened, share of sites accredited.
CERTIFICATIONS = {
    "CLEA": (85, dt.date(2015, 1, 1), 1.0),
    "CLEA_NUM": (12, dt.date(2020, 1, 1), 0.4),
    "CLEA_MGT": (3, dt.date(2022, 6, 1), 0.15),
}
STAFF_PER_ORGANISATION = 2


@dataclass
class Options:
    files: int = 1_000_000
    organisations: int = 300
    years: int = 10
    seed: int = 2026
    chunk: int = 50_000
    today: dt.date = field(default_factory=dt.date.today)


@dataclass
class Timings:
    """Seconds and rows per table, and what to print as it goes."""

    say: Callable[[str], None]
    seconds: Counter[str] = field(default_factory=Counter)
    rows: Counter[str] = field(default_factory=Counter)

    @contextmanager
    def table(self, model: type[Model], count: int) -> Iterator[None]:
        started = time.perf_counter()
        yield
        self.seconds[model._meta.db_table] += time.perf_counter() - started
        self.rows[model._meta.db_table] += count


@dataclass
class SiteInfo:
    id: int
    region: int
    region_code: str
    department: str
    staff: list[int]


@dataclass
class World:
    sites: dict[int, list[SiteInfo]]  # certification id -> accredited sites
    site_weights: dict[int, list[float]]  # certification id -> cumulative weights
    sessions: dict[int, tuple[list[int], list[tuple[int, int]]]]  # region -> cutoffs, (session, held on)
    certifications: dict[int, tuple[str, int, float, int]]  # id -> prefix, framework, weight, first day
    counters: Counter[tuple[str, int, str]] = field(default_factory=Counter)


def ensure_empty_and_referenced() -> str | None:
    """Why the database is not fit for the generator, or None."""
    if CaseFile.objects.exists():
        return "La base contient déjà des dossiers candidats"
    published = FrameworkVersion.objects.filter(
        status=FrameworkStatus.PUBLISHED, certification__code__in=CERTIFICATIONS
    ).count()
    if published != len(CERTIFICATIONS) or Region.objects.count() == 0:
        return "Données de référence absentes (lancez d'abord `manage.py load_reference`)"
    return None


def generate(options: Options, timings: Timings) -> None:
    """Write the whole dataset, chunk by chunk, then refresh the planner's statistics."""
    rng = random.Random(options.seed)
    start_day = options.today - dt.timedelta(days=round(365.25 * options.years))
    with transaction.atomic():
        world = build_world(options, start_day, rng, timings)
    timings.say(f"Organismes, établissements, habilitations, personnels et sessions : {_elapsed(timings)}")
    days, weights = opening_days(start_day, options.today)
    rules = StoryRules.build(CandidatePathwayFlow)
    done = 0
    while done < options.files:
        count = min(options.chunk, options.files - done)
        with transaction.atomic():
            write_chunk(count, world, days, weights, rules, options, rng, timings)
        done += count
        timings.say(f"{done:,} / {options.files:,} dossiers ({_elapsed(timings)})")
    with transaction.atomic():
        write_counters(world, timings)
    started = time.perf_counter()
    refresh_statistics([Candidate, CaseFile, Process, Task, Task.previous.through, TrainingPlan])
    refresh_statistics([AgendaItem, Certificate, JurySession, Site, Accreditation, Organisation, User])
    timings.seconds["ANALYZE"] += time.perf_counter() - started


def _elapsed(timings: Timings) -> str:
    return f"{sum(timings.seconds.values()):.1f} s cumulées"


# The world: organisations, sites, accreditations, staff, jury sessions.


def build_world(options: Options, start_day: dt.date, rng: random.Random, timings: Timings) -> World:
    regions = {r.code: r for r in Region.objects.all()}
    departments: dict[int, list[Department]] = {}
    for department in Department.objects.order_by("code"):
        departments.setdefault(department.region_id, []).append(department)
    codes = sorted(regions)
    region_weights = [REGION_WEIGHTS.get(code, 1.0) for code in codes]
    organisations = _organisations(options.organisations, rng, timings)
    staff = _staff(organisations, rng, timings)
    sites = _sites(organisations, [regions[c] for c in codes], region_weights, departments, rng, timings)
    certifications = {c.code: c for c in Certification.objects.filter(code__in=CERTIFICATIONS)}
    accredited = _accreditations(sites, staff, certifications, start_day, options.today, rng, timings)
    world = World(
        sites=accredited,
        site_weights={},
        sessions=_sessions(list(regions.values()), start_day, options.today, timings),
        certifications={},
    )
    for code, certification in certifications.items():
        framework = FrameworkVersion.objects.get(
            certification=certification, status=FrameworkStatus.PUBLISHED
        )
        weight, opens, _ = CERTIFICATIONS[code]
        world.certifications[certification.pk] = (
            certification.number_prefix,
            framework.pk,
            weight,
            opens.toordinal(),
        )
        site_weights, total = [], 0.0
        for _ in world.sites[certification.pk]:
            total += rng.lognormvariate(0, 0.9)  # a few large organisations, many small ones
            site_weights.append(total)
        world.site_weights[certification.pk] = site_weights
    return world


def _organisations(count: int, rng: random.Random, timings: Timings) -> list[Organisation]:
    sirens: set[str] = set(Organisation.objects.values_list("siren", flat=True))
    organisations = []
    for index in range(count):
        siren = make_siren(rng)
        while siren in sirens:
            siren = make_siren(rng)
        sirens.add(siren)
        name = rng.choice(ORG_PATTERNS).format(
            city=rng.choice(FrenchNames.last_names), name=rng.choice(FrenchNames.last_names)
        )
        nda = str(rng.randint(10**10, 10**11 - 1))
        organisations.append(Organisation(siren=siren, legal_name=f"{name} ({index + 1})", nda=nda))
    with timings.table(Organisation, count):
        return Organisation.objects.bulk_create(organisations, batch_size=1000)


def _sites(
    organisations: list[Organisation],
    regions: list[Region],
    region_weights: list[float],
    departments: dict[int, list[Department]],
    rng: random.Random,
    timings: Timings,
) -> list[tuple[Site, Region]]:
    placed = []
    for organisation in organisations:
        region = rng.choices(regions, weights=region_weights)[0]
        for index in range(1, rng.randint(2, 5) + 1):
            department = rng.choice(departments[region.pk])
            site = Site(
                organisation=organisation,
                siret=make_siret(organisation.siren, index),
                name=f"{organisation.legal_name} – {department.name}",
                address=f"{rng.randint(1, 120)} rue de la Formation",
                postcode=make_postcode(department, rng),
                city=department.name,
                department=department,
                region=region,
            )
            placed.append((site, region))
    with timings.table(Site, len(placed)):
        Site.objects.bulk_create([site for site, _ in placed], batch_size=1000)
    return placed


def _accreditations(
    sites: list[tuple[Site, Region]],
    staff: dict[int, list[int]],
    certifications: dict[str, Certification],
    start_day: dt.date,
    today: dt.date,
    rng: random.Random,
    timings: Timings,
) -> dict[int, list[SiteInfo]]:
    """Evaluator accreditations valid over the whole period (and two years on)."""
    accredited: dict[int, list[SiteInfo]] = {c.pk: [] for c in certifications.values()}
    rows = []
    for site, region in sites:
        info = SiteInfo(site.pk, region.pk, region.code, site.department.code, staff[site.organisation_id])
        for code, (_, opens, share) in CERTIFICATIONS.items():
            if rng.random() >= share:
                continue
            certification = certifications[code]
            accredited[certification.pk].append(info)
            rows.append(
                Accreditation(
                    site=site,
                    certification=certification,
                    role=AccreditationRole.EVALUATOR,
                    valid_from=max(start_day, opens) - dt.timedelta(days=60),
                    valid_to=today + dt.timedelta(days=730),
                    status_changed_on=max(start_day, opens) - dt.timedelta(days=60),
                )
            )
    with timings.table(Accreditation, len(rows)):
        Accreditation.objects.bulk_create(rows, batch_size=1000)
    return accredited


def _staff(organisations: list[Organisation], rng: random.Random, timings: Timings) -> dict[int, list[int]]:
    """A few evaluator staff per organisation (the owners of the tasks done), scoped to it."""
    users = [
        (
            organisation.pk,
            User(
                username=f"nat.evaluateur.{organisation.siren}.{k}",
                first_name=rng.choice(FrenchNames.first_names),
                last_name=rng.choice(FrenchNames.last_names),
                email=f"nat.evaluateur.{organisation.siren}.{k}@example.org",
                password="!",  # noqa: S106 (unusable: nobody signs in as them)
            ),
        )
        for organisation in organisations
        for k in range(1, STAFF_PER_ORGANISATION + 1)
    ]
    with timings.table(User, len(users)):
        User.objects.bulk_create([user for _, user in users], batch_size=1000)
    group = Group.objects.get(name=group_name(Role.EVALUATOR_STAFF))
    User.groups.through.objects.bulk_create(
        [User.groups.through(user_id=user.pk, group_id=group.pk) for _, user in users], batch_size=1000
    )
    UserScope.objects.bulk_create(
        [UserScope(user_id=user.pk, organisation_id=organisation) for organisation, user in users],
        batch_size=1000,
    )
    staff: dict[int, list[int]] = {}
    for organisation, user in users:
        staff.setdefault(organisation, []).append(user.pk)
    return staff


def _sessions(
    regions: list[Region], start_day: dt.date, today: dt.date, timings: Timings
) -> dict[int, tuple[list[int], list[tuple[int, int]]]]:
    """One session a month per region, around the 15th, its cut-off two weeks before; closed when past."""
    rows, keys = [], []
    month = dt.date(start_day.year, start_day.month, 1)
    last = today + dt.timedelta(days=100)
    while month <= last:
        for region in regions:
            held_on = month.replace(day=15)
            held_on += dt.timedelta(days=max(0, 4 - held_on.weekday()) if held_on.weekday() > 4 else 0)
            held_on -= dt.timedelta(days=max(0, held_on.weekday() - 4))
            past = held_on < today
            at = dt.datetime.combine(held_on, dt.time(9, 0), tzinfo=dt.UTC)
            rows.append(
                JurySession(
                    region=region,
                    held_on=held_on,
                    place=f"Transitions Pro {region.name}",
                    remote=held_on.month % 3 == 0,
                    status="closed" if past else "planned",
                    cutoff_on=held_on - dt.timedelta(days=14),
                    opened_at=at if past else None,
                    closed_at=at + dt.timedelta(hours=3) if past else None,
                    created_at=at - dt.timedelta(days=60),
                )
            )
            keys.append(region.pk)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    with timings.table(JurySession, len(rows)):
        JurySession.objects.bulk_create(rows, batch_size=1000)
    sessions: dict[int, tuple[list[int], list[tuple[int, int]]]] = {r.pk: ([], []) for r in regions}
    for region_id, session in sorted(zip(keys, rows, strict=True), key=lambda p: (p[0], p[1].held_on)):
        sessions[region_id][0].append(session.cutoff_on.toordinal())
        sessions[region_id][1].append((session.pk, session.held_on.toordinal()))
    return sessions


# One chunk of files.


def write_chunk(
    count: int,
    world: World,
    days: list[int],
    weights: list[float],
    rules: StoryRules,
    options: Options,
    rng: random.Random,
    timings: Timings,
) -> None:
    candidates, files = _reserve_ids(Candidate, count), _reserve_ids(CaseFile, count)
    processes = _reserve_ids(Process, count)
    opened = sorted(rng.choices(days, cum_weights=weights, k=count))
    now = time.time()
    timeline = Timeline(now=now, sessions=world.sessions, rules=rules)
    people, stories = [], []
    for i in range(count):
        certification = _certification(world, opened[i], rng)
        prefix, framework, _, _ = world.certifications[certification]
        site = _pick(world.sites[certification], world.site_weights[certification], rng)
        person = _person(rng, opened[i], site)
        story = Story(timeline, rng, processes[i], files[i], site.region, site.staff)
        story.run(opened[i])
        people.append(person)
        stories.append((story, site, certification, framework, prefix))
    _write_candidates(candidates, people, opened, timings)
    _write_processes(stories, rules, timings)
    _write_files(candidates, files, stories, opened, timings)
    tasks = [task for story, *_ in stories for task in story.tasks]
    task_ids = _reserve_ids(Task, len(tasks))
    _write_tasks(tasks, task_ids, rules, timings)
    _write_links(stories, task_ids, timings)
    _write_training_plans(stories, timings)
    _write_agenda(stories, timings)
    _write_certificates(stories, people, world, timings)


def _certification(world: World, opened: int, rng: random.Random) -> int:
    """A certification whose files could be opened that day (CléA Numérique 2020, Management 2022)."""
    open_ones = [
        pk for pk, (_, _, _, opens) in world.certifications.items() if world.sites[pk] and opens <= opened
    ]
    return rng.choices(open_ones, weights=[world.certifications[pk][2] for pk in open_ones])[0]


def _pick(sites: list[SiteInfo], cumulative: list[float], rng: random.Random) -> SiteInfo:
    return sites[bisect.bisect_left(cumulative, rng.random() * cumulative[-1])]


def _person(rng: random.Random, opened: int, site: SiteInfo) -> tuple[Any, ...]:
    sex = weighted(SEX, rng)
    names = FrenchNames.first_names_female if sex == "F" else FrenchNames.first_names_male
    low, high = weighted(AGE_BANDS, rng)
    birth = opened - rng.randint(low * 365 + low // 4, high * 365 + high // 4 + 364)
    department = site.department
    postcode = (
        f"{department}{rng.randint(0, 999):03d}" if len(department) == 2 and department.isdigit() else ""
    )
    return (
        rng.choice(FrenchNames.last_names),
        rng.choice(names),
        dt.date.fromordinal(birth),
        sex,
        postcode or f"{rng.randint(1, 95):02d}{rng.randint(0, 999):03d}",
        weighted(STATUS_WEIGHTS, rng),
        weighted(SECTORS, rng),
    )


def _ts(value: float | None) -> dt.datetime | None:
    return None if value is None else dt.datetime.fromtimestamp(value, dt.UTC)


def _day(value: int | None) -> dt.date | None:
    return None if value is None else dt.date.fromordinal(value)


def _write_candidates(
    ids: list[int], people: list[tuple[Any, ...]], opened: list[int], timings: Timings
) -> None:
    fields = ["id", "last_name", "first_name", "birth_date", "sex", "email", "phone", "postcode", "status"]
    fields += ["sector", "created_at", "identity_key"]
    with timings.table(Candidate, len(ids)):
        insert_rows(
            Candidate,
            fields,
            (
                (pk, *p[:4], "", "", *p[4:], _ts((day - 719_163) * DAY + 32_400), identity_key(*p[:3]))
                for pk, p, day in zip(ids, people, opened, strict=True)
            ),
        )


def _write_processes(stories: list[tuple[Any, ...]], rules: StoryRules, timings: Timings) -> None:
    fields = ["id", "flow_class", "status", "created", "finished", "data"]
    flow_ref = get_flow_ref(CandidatePathwayFlow)
    with timings.table(Process, len(stories)):
        insert_rows(
            Process,
            fields,
            (
                (s.process, flow_ref, s.process_status, _ts(s.created), _ts(s.finished), "{}")
                for s, *_ in stories
            ),
        )


def _write_files(
    candidates: list[int],
    files: list[int],
    stories: list[tuple[Any, ...]],
    opened: list[int],
    timings: Timings,
) -> None:
    fields = ["id", "candidate", "certification", "framework_version", "evaluation_site", "reference"]
    fields += [
        "referrer",
        "funding",
        "funding_note",
        "state",
        "opened_on",
        "positioned_on",
        "expires_on",
        "ready_for_jury_on",
    ]
    fields += ["closed_on", "closing_reason", "returned_on", "return_reason", "process"]
    rng = random.Random(files[0])

    def rows() -> Iterator[tuple[Any, ...]]:
        for candidate, pk, day, (s, site, certification, framework, _) in zip(
            candidates, files, opened, stories, strict=True
        ):
            yield (
                pk, candidate, certification, framework, site.id, f"NAT-{pk:08d}",
                weighted(REFERRERS, rng), weighted(FUNDINGS, rng), "", s.state, _day(day),
                _day(s.positioned_on), _day(s.expires_on), _day(s.ready_on), _day(s.closed_on),
                s.closing_reason, _day(s.returned_on), s.return_reason, s.process,
            )  # fmt: skip

    with timings.table(CaseFile, len(files)):
        insert_rows(CaseFile, fields, rows())


def _write_tasks(tasks: list[tuple[Any, ...]], ids: list[int], rules: StoryRules, timings: Timings) -> None:
    fields = ["id", "process", "flow_task", "flow_task_type", "status", "created", "started", "finished"]
    fields += ["owner", "owner_permission", "assigned", "scheduled", "token", "data"]
    nodes = rules.nodes

    def rows() -> Iterator[tuple[Any, ...]]:
        for pk, (process, node, status, created, started, finished, owner, assigned, scheduled, _) in zip(
            ids, tasks, strict=True
        ):
            ref, kind, permission = nodes[node]
            yield (
                pk, process, ref, kind, status, _ts(created), _ts(started), _ts(finished), owner,
                permission, _ts(assigned), _ts(scheduled), "start", "{}",
            )  # fmt: skip

    with timings.table(Task, len(tasks)):
        insert_rows(Task, fields, rows())


def _write_links(stories: list[tuple[Any, ...]], ids: list[int], timings: Timings) -> None:
    """`viewflow_task_previous`: each task points to the one that activated it (the story's index)."""
    links, offset = [], 0
    for story, *_ in stories:
        for index, task in enumerate(story.tasks):
            if task[9] is not None:
                links.append((ids[offset + index], ids[offset + task[9]]))
        offset += len(story.tasks)
    with timings.table(Task.previous.through, len(links)):
        insert_rows(Task.previous.through, ["from_task", "to_task"], links)


def _write_training_plans(stories: list[tuple[Any, ...]], timings: Timings) -> None:
    fields = [
        "case_file",
        "number",
        "training_site",
        "trainer",
        "hours",
        "starts_on",
        "ends_on",
        "created_at",
    ]
    rows = [
        (story.file, number, site.id, trainer, hours, _day(starts), _day(ends), _ts(created))
        for story, site, *_ in stories
        for number, (trainer, hours, starts, ends, created) in enumerate(story.plans, start=1)
    ]
    with timings.table(TrainingPlan, len(rows)):
        insert_rows(TrainingPlan, fields, rows)


def _write_agenda(stories: list[tuple[Any, ...]], timings: Timings) -> None:
    fields = ["session", "case_file", "recommended", "officer_note", "decision", "reason", "decided_at"]
    fields += ["adjournment_reason"]
    rows = [
        (session, story.file, decision == "award", "", decision, reason, _ts(at), "")
        for story, *_ in stories
        for session, decision, reason, at in story.decisions
    ]
    with timings.table(AgendaItem, len(rows)):
        insert_rows(AgendaItem, fields, rows)


def _write_certificates(
    stories: list[tuple[Any, ...]], people: list[tuple[Any, ...]], world: World, timings: Timings
) -> None:
    fields = ["case_file", "number", "certification", "region", "session", "holder_last_name"]
    fields += ["holder_first_name", "awarded_on", "status", "issued_at", "exported_at", "created_at", "pdf"]
    fields += ["duplicates", "revocation_reason"]
    rows = []
    for (story, site, certification, _, prefix), person in zip(stories, people, strict=True):
        if story.award is None:
            continue
        session, held_on, issued = story.award
        year = dt.date.fromordinal(held_on).year
        world.counters[(prefix, year, site.region_code)] += 1
        number = f"{prefix}-{year}-{site.region_code}-{world.counters[(prefix, year, site.region_code)]:06d}"
        exported = _ts(issued + 30 * DAY) if issued + 30 * DAY < time.time() else None
        rows.append(
            (story.file, number, certification, site.region, session, person[0], person[1],
             _day(held_on), "issued", _ts(issued), exported, _ts(issued), "", 0, "")
        )  # fmt: skip
    with timings.table(Certificate, len(rows)):
        insert_rows(Certificate, fields, rows)


def write_counters(world: World, timings: Timings) -> None:
    """The numbering goes on after the generated certificates: each series' last number."""
    rows = [(prefix, year, region, last) for (prefix, year, region), last in sorted(world.counters.items())]
    with timings.table(CertificateCounter, len(rows)):
        insert_rows(CertificateCounter, ["prefix", "year", "region_code", "last_number"], rows)


def table_counts(models: list[type[Model]]) -> list[tuple[str, int]]:
    """Each table's exact row count, for the report."""
    counts = []
    with connection.cursor() as cursor:
        for model in models:
            table = model._meta.db_table
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            counts.append((table, cursor.fetchone()[0]))
    return counts


# One file's pathway, as the flow would have written it.

EPOCH = dt.date(1970, 1, 1).toordinal()
INFINITY = float("inf")
# Steps whose 5-year window may run out (a file with every domain acquired does not lapse waiting for a jury).
TIMED = ("training_plan", "final_evaluation")
NODES = (
    "open_file", "start_from_code", "positioning", "all_domains_acquired", "training_plan",
    "final_evaluation", "ready_for_jury", "jury_outcome", "jury_return", "certificate_issued", "refused",
    "lapse", "end", "lapsed",
)  # fmt: skip
STATE_OF_STEP = {
    "positioning": CaseFileState.POSITIONING,
    "training_plan": CaseFileState.TRAINING,
    "final_evaluation": CaseFileState.FINAL_EVALUATION,
    "ready_for_jury": CaseFileState.READY_FOR_JURY,
    "jury_return": CaseFileState.RETURNED,
}
# Days a step takes (low, high, mode); the chance the candidate gives up during it, or that it stalls
# until the 5-year window closes (or is still waiting).
DURATION = {
    "positioning": (2, 45, 10),
    "training_plan": (1, 25, 6),
    "final_evaluation": (20, 200, 75),
    "jury_return": (3, 45, 12),
}
ABANDON = {"positioning": 0.18, "training_plan": 0.08, "final_evaluation": 0.24, "jury_return": 0.15}
STALL = {"positioning": 0.0, "training_plan": 0.04, "final_evaluation": 0.08, "jury_return": 0.05}
ABANDON_AFTER = (7, 240, 45)
ALL_ACQUIRED_AT_POSITIONING = 0.23  # 21–26 % of candidates go straight to the jury
ALL_ACQUIRED_AFTER_TRAINING = 0.85
DECISIONS = (("award", 90), ("return", 5), ("refuse", 5))
DECISIONS_AFTER_RETURN = (("award", 93), ("return", 2), ("refuse", 5))
ABANDON_REASONS = (
    "Sans nouvelles du candidat", "Reprise d'emploi", "Déménagement", "Raisons de santé",
    "Choix d'une autre formation",
)  # fmt: skip
RETURN_REASON = "Grille d'évaluation incomplète : pièces à compléter par l'organisme"
REFUSE_REASON = "Les preuves présentées ne permettent pas d'attribuer le certificat"


@dataclass
class StoryRules:
    """Per node: its index in a story's tasks, and the stored reference, type and permission."""

    nodes: list[tuple[str, str, str | None]]
    index: dict[str, int]

    @classmethod
    def build(cls, flow: Any) -> StoryRules:
        nodes, index = [], {}
        for name in NODES:
            node = getattr(flow, name)
            calc = getattr(node, "calc_owner_permission", None)
            index[name] = len(nodes)
            nodes.append((get_task_ref(node), node.task_type, calc(None) if calc else None))
            if name in TIMED:
                timer = node._boundary_events[0]
                index[f"{name}__timeout"] = len(nodes)
                nodes.append((get_task_ref(timer), timer.task_type, None))
        return cls(nodes, index)


@dataclass
class Timeline:
    now: float
    sessions: dict[int, tuple[list[int], list[tuple[int, int]]]]
    rules: StoryRules

    def next_session(self, region: int, day: int) -> tuple[int, int] | None:
        """The region's first session whose cut-off is not past on that day: (session, held on)."""
        cutoffs, sessions = self.sessions[region]
        position = bisect.bisect_left(cutoffs, day)
        return sessions[position] if position < len(sessions) else None


def _day_of(ts: float) -> int:
    return int(ts // DAY) + EPOCH


class Story:
    """Steps, dates and outcome of one file; `tasks` rows are lists: process, node, status, created, started,
    finished, owner, assigned, scheduled, index of the previous task."""

    def __init__(
        self, timeline: Timeline, rng: random.Random, process: int, file: int, region: int, staff: list[int]
    ) -> None:
        self.timeline, self.rng, self.process, self.file, self.region = timeline, rng, process, file, region
        self.staff = staff
        self.tasks: list[list[Any]] = []
        self.state, self.process_status = "", PROCESS.NEW
        self.created, self.finished = 0.0, None
        self.positioned_on = self.expires_on = self.ready_on = self.closed_on = self.returned_on = None
        self.expiry: float | None = None
        self.closing_reason = self.return_reason = ""
        self.plans: list[tuple[int, int, int, int, float]] = []
        self.decisions: list[tuple[int, str, str, float]] = []
        self.award: tuple[int, int, float] | None = None

    def add(self, node: str, status: str, created: float, previous: int | None, **times: Any) -> int:
        self.tasks.append(
            [
                self.process, self.timeline.rules.index[node], status, created, times.get("started"),
                times.get("finished"), times.get("owner"), times.get("assigned"), times.get("scheduled"),
                previous,
            ]
        )  # fmt: skip
        return len(self.tasks) - 1

    def at_work(self, ts: float) -> float:
        """The same day (a working one) within office hours, never before `ts`'s day."""
        day = _day_of(ts)
        day += max(0, 7 - (day - 1) % 7) if (day - 1) % 7 >= 5 else 0
        return (day - EPOCH) * DAY + self.rng.uniform(7 * 3600, 16 * 3600)

    def run(self, opened: int) -> None:
        rng = self.rng
        t = self.created = (opened - EPOCH) * DAY + rng.uniform(7 * 3600, 16 * 3600)
        by_hand = rng.random() < 0.6  # opened in the form; else imported
        done = t + rng.uniform(30, 900)
        owner = rng.choice(self.staff) if by_hand else None
        previous = self.add(
            "open_file" if by_hand else "start_from_code",
            STATUS.DONE,
            t,
            None,
            started=t,
            finished=done,
            owner=owner,
        )
        self.walk("positioning", done, previous)

    def walk(self, node: str, t: float, previous: int) -> None:
        loops = returns = 0
        while True:
            if node == "ready_for_jury":
                outcome, t, previous = self.jury(t, previous, returns)
                if outcome != "return":
                    return
                node, returns = "jury_return", returns + 1
                continue
            outcome, t, previous = self.human(node, t, previous)
            if outcome != "done":
                return
            if node == "training_plan":
                node = "final_evaluation"
                continue
            if node == "positioning":
                self.positioned(t)
            chance = {
                "positioning": ALL_ACQUIRED_AT_POSITIONING,
                "final_evaluation": ALL_ACQUIRED_AFTER_TRAINING,
            }
            acquired = loops >= 2 or self.rng.random() < chance.get(node, 1.0)
            previous = self.add("all_domains_acquired", STATUS.DONE, t + 1, previous, finished=t + 2)
            t += 2
            node = "ready_for_jury" if acquired else "training_plan"
            if acquired:
                self.ready_on = _day_of(t)
            else:
                loops += 1

    def positioned(self, t: float) -> None:
        day = dt.date.fromordinal(_day_of(t))
        try:
            expires = day.replace(year=day.year + 5)
        except ValueError:  # 29 February
            expires = day.replace(year=day.year + 5, day=28)
        self.positioned_on, self.expires_on = day.toordinal(), expires.toordinal()
        self.expiry = (expires.toordinal() + 1 - EPOCH) * DAY - 3600  # midnight, Paris

    def human(self, node: str, t: float, previous: int) -> tuple[str, float, int]:
        rng, now = self.rng, self.timeline.now
        created = t + 1
        task = self.add(node, STATUS.NEW, created, previous)
        timer = None
        if node in TIMED:
            timer = self.add(f"{node}__timeout", STATUS.SCHEDULED, created + 0.5, task, scheduled=self.expiry)
        finish = None if rng.random() < STALL[node] else self.at_work(created + self._duration(node, t))
        abandon = None
        if rng.random() < ABANDON[node]:  # the candidate leaves before the step is done
            abandon, finish = self.at_work(created + rng.triangular(*ABANDON_AFTER) * DAY), None
        events = [
            (finish, "done"),
            (abandon, "abandoned"),
            (self.expiry if timer is not None else None, "expired"),
        ]
        at, outcome = min(((v, k) for v, k in events if v is not None), default=(INFINITY, "open"))
        if at > now:
            self.wait(node, task, created)
            return "open", t, task
        row = self.tasks[task]
        if outcome == "done":
            row[2], row[4], row[5], row[6] = (
                STATUS.DONE,
                max(created, at - rng.uniform(300, 5400)),
                at,
                rng.choice(self.staff),
            )
        else:
            row[2], row[5] = STATUS.CANCELED, at
        if timer is not None:
            self.tasks[timer][2:6] = [
                STATUS.DONE if outcome == "expired" else STATUS.CANCELED,
                created + 0.5,
                None,
                at,
            ]
        if outcome == "abandoned":
            self.abandon(at)
        elif outcome == "expired":
            self.lapse(at, timer)
        return outcome, at, task

    def _duration(self, node: str, t: float) -> float:
        if node == "final_evaluation" and self.plans:  # after the training's end
            return max(0.0, (self.plans[-1][3] - EPOCH) * DAY - t) + self.rng.uniform(1, 20) * DAY
        days = self.rng.triangular(*DURATION[node])
        if node == "training_plan":
            self.plan(t + days * DAY)
        return days * DAY

    def plan(self, at: float) -> None:
        starts = _day_of(at) + self.rng.randint(3, 14)
        ends = starts + round(self.rng.triangular(10, 150, 45))
        self.plans.append((self.rng.choice(self.staff), self.rng.randint(20, 150), starts, ends, at))

    def wait(self, node: str, task: int, created: float) -> None:
        """Still open today: the task waits (assigned to someone 40 % of the time for human steps)."""
        self.state = STATE_OF_STEP[node]
        row = self.tasks[task]
        if node != "ready_for_jury" and self.rng.random() < 0.4:
            assigned = min(created + self.rng.uniform(600, 5 * DAY), self.timeline.now - 60)
            row[2], row[6], row[7] = STATUS.ASSIGNED, self.rng.choice(self.staff), max(created, assigned)
        if node == "training_plan" and self.plans:  # the plan is recorded when the step is done
            self.plans.pop()

    def abandon(self, at: float) -> None:
        if self.plans and self.plans[-1][4] > at:
            self.plans.pop()
        self.state, self.process_status, self.finished = CaseFileState.ABANDONED, PROCESS.CANCELED, at
        self.closed_on, self.closing_reason = _day_of(at), self.rng.choice(ABANDON_REASONS)

    def lapse(self, at: float, timer: int | None) -> None:
        if self.plans and self.plans[-1][4] > at:
            self.plans.pop()
        function = self.add("lapse", STATUS.DONE, at + 1, timer, started=at + 1, finished=at + 2)
        self.add("lapsed", STATUS.DONE, at + 3, function, started=at + 3, finished=at + 4)
        self.state, self.process_status, self.finished = CaseFileState.EXPIRED, PROCESS.DONE, at + 4
        self.closed_on = _day_of(at + 4)
        self.closing_reason = "Acquis caducs : fenêtre de 5 ans écoulée"

    def jury(self, t: float, previous: int, returns: int) -> tuple[str, float, int]:
        rng, now = self.rng, self.timeline.now
        created = t + 1
        task = self.add("ready_for_jury", STATUS.NEW, created, previous)
        session = self.timeline.next_session(self.region, _day_of(created))
        held = (session[1] - EPOCH) * DAY + rng.uniform(8 * 3600, 11 * 3600) if session else INFINITY
        if session is None or held > now:
            self.wait("ready_for_jury", task, created)
            return "open", t, task
        self.tasks[task][2:6] = [STATUS.DONE, created, held, held]
        switch = self.add("jury_outcome", STATUS.DONE, held + 1, task, finished=held + 2)
        decision = weighted(DECISIONS_AFTER_RETURN if returns else DECISIONS, rng)
        reason = {"award": "", "return": RETURN_REASON, "refuse": REFUSE_REASON}[decision]
        self.decisions.append((session[0], decision, reason, held))
        if decision == "return":
            self.returned_on, self.return_reason = session[1], reason
            return "return", held + 2, switch
        self.process_status, self.closed_on = PROCESS.DONE, session[1]
        if decision == "refuse":
            self.add("refused", STATUS.DONE, held + 3, switch, started=held + 3, finished=held + 4)
            self.state, self.closing_reason, self.finished = CaseFileState.REFUSED, reason, held + 4
            return "refuse", held + 4, switch
        issued = min(held + rng.uniform(60, 4 * 3600), now - 1)
        step = self.add("certificate_issued", STATUS.DONE, held + 3, switch, started=issued, finished=issued)
        self.add("end", STATUS.DONE, issued + 1, step, started=issued + 1, finished=issued + 2)
        self.state, self.finished, self.award = (
            CaseFileState.CERTIFIED,
            issued + 2,
            (session[0], session[1], issued),
        )
        self.closing_reason = f"Certificat attribué par le jury du {dt.date.fromordinal(session[1]):%d/%m/%Y}"
        return "award", issued + 2, switch
