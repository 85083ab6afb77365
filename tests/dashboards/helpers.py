"""Data with known answers for the dashboards' tests, and reading a dashboard's table back from its page."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from viewflow.workflow.status import STATUS

from accreditation.models import Certification
from casefiles.services import open_case_file
from tests.workflows.conftest import start_in_bulk
from workflows.models import CandidatePathwayTask

TODAY = dt.date.today()
STARTED = STATUS.STARTED


def open_tasks(site, specs: list[tuple[int, object, str]], *, name: str) -> list[CandidatePathwayTask]:  # type: ignore[no-untyped-def]
    """One file per (age in days, owner or None, status): its positioning task, created that long ago."""
    clea = Certification.objects.get(code="CLEA")
    files = [
        open_case_file(
            site=site,
            certification=clea,
            opened_on=TODAY - dt.timedelta(days=age),
            candidate_data={
                "last_name": f"{name}{'x' * n}",
                "first_name": "Test",
                "birth_date": dt.date(1990, 1, 1),
                "status": "jobseeker",
                "postcode": "93200",
            },
            actor=None,
        )
        for n, (age, _, _) in enumerate(specs)
    ]
    start_in_bulk(files)
    tasks = []
    for case_file, (age, owner, status) in zip(files, specs, strict=True):
        task = CandidatePathwayTask.objects.get(process_id=case_file.process_id, flow_task_type="HUMAN")
        CandidatePathwayTask.objects.filter(pk=task.pk).update(
            created=timezone.now() - dt.timedelta(days=age, hours=1),
            owner=owner,
            status=status,
            started=timezone.now() if status == STARTED else None,
        )
        task.refresh_from_db()
        tasks.append(task)
    return tasks


def table(response, key: str) -> list[list[str]]:  # type: ignore[no-untyped-def]
    html = response.content.decode()
    start = html.index(f'data-table="{key}"')
    body = html[html.index("<tbody>", start) + 7 : html.index("</tbody>", start)]
    rows = []
    for row in body.split("<tr>")[1:]:
        cells = [cell.split(">", 1)[1].split("</td>")[0] for cell in row.split("<td")[1:]]
        rows.append([c.split(">")[-2].split("<")[0] if c.startswith("<a") else c for c in cells])
    return rows
