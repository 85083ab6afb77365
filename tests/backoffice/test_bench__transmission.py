"""The SI CPF transmission benchmark runs end to end on a few certificates, leaves nothing behind, and refuses
a database whose certificates its transmission would take."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from accreditation.models import Certification, Organisation
from backoffice.core.accounts.models import User
from backoffice.core.audit.models import AuditEvent
from casefiles.models import Candidate, CaseFile, Certificate, JurySession, Passage, Transmission

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, ...]:
    models = (
        Organisation,
        User,
        AuditEvent,
        Candidate,
        CaseFile,
        Certificate,
        JurySession,
        Transmission,
        Passage,
    )
    return tuple(model.objects.count() for model in models)


def test_the_benchmark_times_building_and_the_receipt_and_leaves_nothing_behind():
    before, rs_codes, out = (
        counts(),
        dict(Certification.objects.values_list("code", "rs_code")),
        io.StringIO(),
    )
    if connection.vendor != "postgresql":
        with pytest.raises(CommandError, match="PostgreSQL"):
            call_command("bench_transmission", "--certificates", "50", stdout=out)
        return

    call_command("bench_transmission", "--certificates", "50", stdout=out)

    lines = out.getvalue().splitlines()
    measures = [line.split(" | ")[0].removeprefix("| ") for line in lines if line.startswith("| ")]
    assert measures[1:] == [
        "demande (request_transmission)",
        "préparation (réservation, XML, validation XSD, marqués transmis)",
        "demande + préparation",
        "accusé (49 acceptés, 1 rejetés)",
        "total",
    ]
    assert any(line.startswith("Fichier : ") and "pic RSS" in line for line in lines)
    assert counts() == before
    assert dict(Certification.objects.values_list("code", "rs_code")) == rs_codes


def test_the_benchmark_refuses_a_database_holding_certificates(issued):
    before = counts()

    with pytest.raises(CommandError, match="base jetable"):
        call_command("bench_transmission", "--certificates", "50", stdout=io.StringIO())
    assert counts() == before
