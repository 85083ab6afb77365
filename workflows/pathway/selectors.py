"""Reads of the candidate pathway: its tasks in the user's scope and the case file a process runs on."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from casefiles.models import CaseFile
from workflows.models import CandidatePathwayTask


def tasks_for(user: Any) -> QuerySet[CandidatePathwayTask]:
    """Pathway tasks on the case files in the user's scope."""
    return CandidatePathwayTask.objects.scoped_for(user)


def case_file_of_process(process: Any) -> CaseFile:
    """The case file a pathway process runs on (a process or its pk), with its site and framework version."""
    return CaseFile.objects.select_related("evaluation_site", "framework_version").get(process=process)
