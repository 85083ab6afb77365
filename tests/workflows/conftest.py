from tests.casefiles.conftest import (  # noqa: F401
    assessor,
    candidate_data,
    clea,
    framework,
    trainer_person,
    training_site,
)
