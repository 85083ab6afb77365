"""`manage.py bench_load` for real on a small demo world: gunicorn, a Dramatiq worker and locust's virtual
case officer, jury member and evaluator log in through the login form and work without a single failed
request; the report shows each persona; nothing is left listening afterwards. And its refusals, in French."""

from __future__ import annotations

import socket
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from fixtures.demo import seed_demo
from fixtures.reference import load_reference_data

PERSONA_ROWS = [
    "| POST connexion : envoi (chargé·e d'instruction) |",
    "| POST connexion : envoi (membre de jury) |",
    "| POST connexion : envoi (évaluateur) |",
    "| GET /tableaux-de-bord/stocks/ |",  # only case officers may open it
    "| GET /jurys/[id]/ |",  # the jury member's first page
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def cells(row: str) -> list[str]:
    return [cell.strip() for cell in row.strip().strip("|").split("|")]


def test_three_personas_work_without_a_failure_and_nothing_is_left_running(
    transactional_db, settings, monkeypatch
):
    # given: the demo, committed (gunicorn's processes read it), its password hashed as in production
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    load_reference_data()
    seed_demo(scale="small", seed=2026)
    monkeypatch.setenv("CLEA_LOAD_WAIT_MIN", "0.1")  # more pages in a short run
    monkeypatch.setenv("CLEA_LOAD_WAIT_MAX", "0.4")
    port = free_port()
    out = StringIO()

    # when
    call_command(
        "bench_load",
        *("--users", "3", "--spawn-rate", "3", "--duration", "8"),
        *("--workers", "2", "--threads", "2", "--port", str(port)),
        stdout=out,
    )

    # then
    lines = out.getvalue().splitlines()
    rows = {row.split(" | ")[0] + " |": cells(row) for row in lines if row.startswith("| ")}
    for persona_row in PERSONA_ROWS:
        assert persona_row in rows, f"{persona_row} absent du rapport :\n{out.getvalue()}"
        assert int(rows[persona_row][1]) >= 1 and rows[persona_row][2] == "0"
    total = rows["| Total |"]
    assert int(total[1]) > 20 and total[2] == "0"
    assert float(total[6]) > 0  # throughput
    assert any(line.startswith("Charge moyenne (1/5/15 min) avant : ") for line in lines)
    assert not any(line.startswith("Échec") for line in lines)
    assert not listening(port)


def test_it_refuses_a_database_without_the_demo_logins(db):
    with pytest.raises(CommandError, match=r"Comptes de démonstration absents .*seed_demo"):
        call_command("bench_load", "--users", "2", "--duration", "5", stdout=StringIO())


def test_it_refuses_a_port_already_in_use(db):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(CommandError, match=rf"Le port {port} de 127.0.0.1 est déjà utilisé"):
            call_command("bench_load", "--port", str(port), stdout=StringIO())


@pytest.mark.parametrize(
    "options",
    [("--users", "0"), ("--duration", "0"), ("--spawn-rate", "0"), ("--port", "80"), ("--workers", "0")],
)
def test_it_refuses_bad_options_and_starts_nothing(db, options):
    with pytest.raises(CommandError, match="Rien n'a été fait"):
        call_command("bench_load", *options, stdout=StringIO())
