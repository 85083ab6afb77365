from casefiles.models import CaseFile
from tests.casefiles.conftest import (  # noqa: F401
    assessor,
    candidate_data,
    clea,
    framework,
    trainer_person,
    training_site,
)
from workflows.pathway.bulk import start_pathways


def start_in_bulk(case_files: list[CaseFile]) -> None:
    """As an import does: the processes started first, then each file carried by its own."""
    for case_file, process_id in zip(case_files, start_pathways(len(case_files)), strict=True):
        CaseFile.objects.filter(pk=case_file.pk).update(process_id=process_id)
        case_file.refresh_from_db()
