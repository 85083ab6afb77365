"""The scheduled work runs in one `manage.py crontab` process: a second one, started by mistake or by a
second server, waits for the lock held in Redis and gives up, so that nothing is fired twice."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import dramatiq
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def _scheduler(**env: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "crontab", "--no-heartbeat"],
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_started(process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    assert process.stdout is not None
    for line in process.stdout:
        if "Starting scheduler" in line:
            return
        assert time.monotonic() < deadline, "le planificateur n'a pas démarré"
    raise AssertionError(f"le planificateur s'est arrêté : {process.stderr.read() if process.stderr else ''}")


def test_a_second_scheduler_does_not_run_while_the_first_holds_the_lock():
    assert settings.DRAMATIQ_CRONTAB.get("REDIS_URL"), "the suite runs with Redis: the lock is real"
    first = _scheduler()
    try:
        _wait_started(first)
        second = _scheduler(CRONTAB_LOCK_WAIT="2")
        try:
            out, err = second.communicate(timeout=120)  # waits for the lock (2 s here), then gives up
        finally:  # never left behind holding the lock for the tests after it (seen on a loaded machine)
            second.kill()
            second.wait(timeout=30)
        assert "Another scheduler is already running." in err
        assert "Starting scheduler" not in out
    finally:
        first.terminate()
        first.wait(timeout=30)
    third = _scheduler()  # the lock was released when the first stopped
    try:
        _wait_started(third)
    finally:
        third.terminate()
        third.wait(timeout=30)
        dramatiq.get_broker().flush_all()  # nothing the schedulers may have sent reaches later tests
