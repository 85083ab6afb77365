from tests.casefiles.conftest import assessor, clea, framework, trainer_person, training_site  # noqa: F401
