"""Signed PDFs: the documents of a closed jury session and of a decided application, an unsigned PDF to sign,
and another organisation's key."""

from __future__ import annotations

from pathlib import Path

import pytest

from backoffice.core.signing.keys import generate_demo_keys
from tests.accreditation.test_services__instruction import second_supervisor, submitted  # noqa: F401
from tests.accreditation.test_views__decision_letter import decided  # noqa: F401
from tests.backoffice.test_views__certificates import awarded, certificate, issued  # noqa: F401
from tests.casefiles.conftest import (  # noqa: F401
    assessor,
    clea,
    employee_member,
    framework,
    session,
    two_ready_files,
)


@pytest.fixture(scope="session")
def unsigned_pdf() -> bytes:
    """A one-page PDF as WeasyPrint renders our documents, rendered once."""
    from weasyprint import HTML

    return bytes(HTML(string="<h1>Certificat CléA n° CLEA-2026-IDF-000001</h1>").write_pdf())


@pytest.fixture(scope="session")
def other_keys(tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    """Another organisation's self-signed certificate, made the way ours is."""
    return generate_demo_keys(tmp_path_factory.mktemp("other-keys"), "other").signing
