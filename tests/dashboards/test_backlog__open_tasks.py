"""The open tasks kept at write time (`OpenTask`, PostgreSQL triggers) for the backlog: they follow every
write to the tasks and the files, whoever writes them, and the backlog counts from them what it would count
from the tasks themselves."""

from __future__ import annotations

import pytest
from django.utils import timezone
from viewflow.workflow.fields import get_task_ref
from viewflow.workflow.status import STATUS

from accreditation.models import Department
from backoffice.dashboards import backlog
from backoffice.dashboards.filters import Filters
from backoffice.dashboards.models import OpenTask
from casefiles.models import CaseFile
from tests.dashboards.helpers import open_tasks
from tests.factories import SiteFactory
from workflows.models import CandidatePathwayTask

pytestmark = pytest.mark.django_db  # on PostgreSQL, as every test here
OPEN = [STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED]


def expected() -> set[tuple]:
    """What the triggers should hold: every open pathway task, with its file's certification and site."""
    return {
        (t.pk, get_task_ref(t.flow_task), t.owner_id, f.pk, f.certification_id, f.evaluation_site_id)
        for t in CandidatePathwayTask.objects.filter(status__in=OPEN)
        for f in CaseFile.objects.filter(process_id=t.process_id)
    }


def held() -> set[tuple]:
    return set(
        OpenTask.objects.values_list(
            "pk", "flow_task", "owner_id", "case_file_id", "certification_id", "evaluation_site_id"
        )
    )


@pytest.fixture
def world(idf_site, ara_site, officer):  # type: ignore[no-untyped-def]
    tasks = open_tasks(idf_site, [(3, None, STATUS.NEW), (20, officer, STATUS.ASSIGNED)], name="Idf")
    tasks += open_tasks(ara_site, [(100, None, STATUS.STARTED)], name="Ara")
    return tasks


def test_the_open_tasks_follow_assignments_closures_transfers_and_deletions(world, officer):
    young, assigned, old = world
    assert held() == expected() and len(held()) == 3

    CandidatePathwayTask.objects.filter(pk=young.pk).update(owner=officer, status=STATUS.ASSIGNED)
    CandidatePathwayTask.objects.filter(pk=assigned.pk).update(status=STATUS.DONE, finished=timezone.now())
    elsewhere = SiteFactory(department=Department.objects.get(code="13"))
    CaseFile.objects.filter(process_id=old.process_id).update(evaluation_site=elsewhere)

    assert held() == expected() and len(held()) == 2
    assert OpenTask.objects.get(pk=young.pk).owner_id == officer.pk
    assert OpenTask.objects.get(pk=old.pk).evaluation_site_id == elsewhere.pk
    CandidatePathwayTask.objects.filter(pk=old.pk).delete()
    assert held() == expected() and len(held()) == 1


def test_the_backlog_counts_the_same_from_the_kept_rows_as_from_the_tasks(world, supervisor, officer):
    now = timezone.now()
    filters = Filters(region_ids=None)

    kept = backlog.grouped(supervisor, filters, now=now)  # PostgreSQL: from `OpenTask`
    keys = ["flow_task", *(key for key, _, _, _ in backlog.DIMENSIONS.values())]
    counted = list(
        backlog.open_tasks(supervisor, filters).values(*keys).annotate(**backlog._figures(now)).order_by()
    )

    def table(cells):  # type: ignore[no-untyped-def]
        return sorted(tuple(str(cell[k]) for k in [*keys, *backlog.FIGURES]) for cell in cells)

    assert table(kept) == table(counted) and len(kept) == 3
    assert table(backlog.grouped(officer, filters, now=now)) == table(
        backlog.open_tasks(officer, filters).values(*keys).annotate(**backlog._figures(now)).order_by()
    )
