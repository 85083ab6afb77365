from tests.casefiles.conftest import (  # noqa: F401
    assessor,
    candidate_data,
    clea,
    employee_member,
    framework,
    session,
    third_member,
    trainer_person,
    training_site,
    two_ready_files,
)
