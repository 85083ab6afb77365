from tests.casefiles.conftest import assessor, candidate_data, case_file, clea, framework  # noqa: F401 (fixtures)
