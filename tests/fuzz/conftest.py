"""Property-based tests: deterministic by default (the CI sees the same examples on every run), bounded so
the whole folder runs in about a minute. `HYPOTHESIS_PROFILE=fuzz-explore` searches further, at random."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

from tests.casefiles.conftest import (  # noqa: F401 (the certificate fixtures of the verification page)
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

settings.register_profile(
    "fuzz",
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,  # nothing written outside the repository's test folders
    print_blob=True,
    # The database fixtures are built once per test and shared by its examples, on purpose.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.register_profile(
    "fuzz-explore", parent=settings.get_profile("fuzz"), max_examples=2000, derandomize=False
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fuzz"))
