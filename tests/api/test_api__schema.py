"""The contract is published and kept: an OpenAPI 3.1 schema at /api/schema/, its readers served from the
project's static files, and schemathesis driving every operation with a write key — no server error, every
answer as the schema says."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as examples
from schemathesis import checks

from backoffice.wsgi import application
from tests.api.conftest import candidate

pytestmark = pytest.mark.django_db
EXAMPLES = 25  # per operation, with a fixed seed: about 30 s for the ten operations


def test_the_schema_is_openapi_3_1_and_public(client):
    response = Client().get("/api/schema/?format=json")

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"] == "3.1.0"
    assert schema["components"]["securitySchemes"]["cleApi"]["scheme"] == "bearer"
    assert "/api/v1/dossiers/{id}/evaluations/" in schema["paths"]


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"])
def test_the_readers_are_public_and_load_nothing_from_elsewhere(path):
    response = Client().get(path)

    page = response.content.decode()
    assert response.status_code == 200
    assert not re.search(r"""(src|href)=["']https?://""", page)
    assert "/static/drf_spectacular_sidecar/" in page
    assert "<script>" not in page  # no inline script: the CSP forbids it


def test_the_swagger_ui_script_is_served_apart_for_the_csp():
    response = Client().get("/api/docs/?script=")

    assert response.status_code == 200 and response["Content-Type"].startswith("application/javascript")


@contextmanager
def connection_kept() -> Iterator[None]:
    """The WSGI application closes the database connection after each request, as in production; the test's
    transaction lives on it, so it stays open here, as Django's test client keeps it (the client reconnects
    the closing at each of its own requests: none is made inside)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def test_schemathesis_finds_no_server_error_and_every_answer_matches_the_schema(
    writer, keys, idf_site, assessor, settings
):
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]
    settings.API_RATE_LIMIT = 100_000  # the examples, not the limit, are under test here (see test_api__http)
    writer.post("/api/v1/dossiers/", candidate(idf_site.siret))
    auth = {"Authorization": f"Bearer {keys['write']}"}
    with connection_kept():
        schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) == 10
        for operation in operations:
            exercise(operation, auth)


def exercise(operation: Any, auth: dict[str, str]) -> None:
    """Up to `EXAMPLES` requests generated from the operation's schema, each answer checked."""

    @given(case=operation.as_strategy())
    @examples(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def call(case: Any) -> None:
        case.call_and_validate(
            headers=auth,
            checks=[
                checks.not_a_server_error,
                checks.status_code_conformance,  # every status answered is documented
                checks.content_type_conformance,  # with the media type documented for it
                checks.response_headers_conformance,
                checks.response_schema_conformance,
            ],
        )

    call()
