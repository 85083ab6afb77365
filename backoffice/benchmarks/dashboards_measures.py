"""What `manage.py bench_dashboards` measures: each page's server time through Django's test client, beside
the naive way (every open task or file read into Python and counted there) and the floor (the same figures
by one hand-written SQL aggregate on the same indexes)."""

from __future__ import annotations

import datetime as dt
import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from viewflow.workflow.fields import get_task_ref
from viewflow.workflow.status import STATUS

from accreditation.models import Region
from accreditation.services import set_user_scope
from backoffice.core.accounts.models import User
from backoffice.core.accounts.roles import Role, group_name
from casefiles.models import CaseFile
from workflows.flows import CandidatePathwayFlow
from workflows.models import CandidatePathwayTask

OPEN = [STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED]


@dataclass
class Timing:
    label: str
    median_ms: float
    p90_ms: float
    queries: int | None
    status: int | None = None


def timed(label: str, repeat: int, run: Callable[[], Any]) -> Timing:
    run()  # warm up: plans and caches, as on a server that has been running
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        samples.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        run()
    status = getattr(result, "status_code", None)
    p90 = statistics.quantiles(samples, n=10)[-1] if len(samples) > 1 else samples[0]
    return Timing(label, statistics.median(samples), p90, len(queries), status)


def person(username: str, role: Role, **scope: Any) -> User:
    user, _ = User.objects.get_or_create(
        username=username, defaults={"first_name": "Banc", "last_name": username}
    )
    user.groups.add(Group.objects.get(name=group_name(role)))
    set_user_scope(user, actor=None, **scope)
    return user


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


# The naive way: every open task (or every file) read with its joins, counted in Python.


def naive_backlog() -> int:
    now = timezone.now()
    due = {getattr(CandidatePathwayFlow, n): d for n, d in settings.PATHWAY_STEP_DUE_DAYS.items()}
    counts: Counter[tuple[str, str, str]] = Counter()
    tasks = CandidatePathwayTask.objects.filter(status__in=OPEN, flow_task__in=list(due)).select_related(
        "process__case_file__evaluation_site__region", "process__case_file__certification"
    )
    for task in tasks:
        case_file = task.process.case_file
        age = (now - task.created).days
        band = "<7" if age < 7 else "7-30" if age < 30 else "30-90" if age < 90 else ">90"
        late = "late" if age > due[task.flow_task] else ""
        counts[(str(task.flow_task), case_file.evaluation_site.region.name, band + late)] += 1
    return len(counts)


def naive_outcomes(start: dt.date, end: dt.date) -> int:
    counts: Counter[tuple[str, str]] = Counter()
    files = CaseFile.objects.filter(opened_on__range=(start, end)).select_related(
        "candidate", "evaluation_site__region"
    )
    for case_file in files:
        counts[(case_file.evaluation_site.region.name, case_file.candidate.status)] += 1
    return len(counts)


# The floor: one SQL aggregate each, on the same tables and indexes.


def floor_backlog() -> list[Any]:
    refs = [get_task_ref(getattr(CandidatePathwayFlow, n)) for n in settings.PATHWAY_STEP_DUE_DAYS]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT t.flow_task, s.region_id, count(*),
                   count(*) FILTER (WHERE t.created > now() - interval '7 days'),
                   count(*) FILTER (WHERE t.created <= now() - interval '90 days')
            FROM viewflow_task t
            JOIN casefiles_casefile f ON f.process_id = t.process_id
            JOIN accreditation_site s ON s.id = f.evaluation_site_id
            WHERE t.status IN ('NEW', 'ASSIGNED', 'STARTED') AND t.flow_task = ANY(%s)
            GROUP BY 1, 2
            """,
            [refs],
        )
        return cursor.fetchall()


def floor_outcomes(start: dt.date, end: dt.date) -> list[Any]:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT s.region_id, count(*), count(c.id),
                   count(*) FILTER (WHERE p.status = 'jobseeker'),
                   count(*) FILTER (WHERE f.opened_on - p.birth_date < 25 * 365.25)
            FROM casefiles_casefile f
            JOIN casefiles_candidate p ON p.id = f.candidate_id
            JOIN accreditation_site s ON s.id = f.evaluation_site_id
            LEFT JOIN casefiles_certificate c ON c.case_file_id = f.id AND c.status <> 'revoked'
            WHERE f.opened_on BETWEEN %s AND %s
            GROUP BY 1
            """,
            [start, end],
        )
        return cursor.fetchall()


def region(code: str) -> Region:
    return Region.objects.get(code=code)
