from tests.backoffice.test_views__certificates import awarded, issued  # noqa: F401  (issued certificates)
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
