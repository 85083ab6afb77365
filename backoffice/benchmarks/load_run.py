"""The processes of `manage.py bench_load`: gunicorn and a Dramatiq worker on the command's database and
Redis, then locust; each in its own process group, stopped as a whole whatever happens; and the reading of
locust's CSV statistics.
"""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection

LOCUSTFILE = Path(__file__).with_name("locustfile.py")
STARTUP_SECONDS = 90.0
WORKER_READY = "Worker process is ready for action."


@dataclass(frozen=True)
class Stat:
    name: str
    method: str
    count: int
    failures: int
    p50: float
    p95: float
    p99: float
    rps: float


@dataclass(frozen=True)
class Failure:
    method: str
    name: str
    error: str
    occurrences: int


def child_environment(folder: Path, *, port: int) -> dict[str, str]:
    """The environment of production minus HTTPS: DEBUG off, the database of this process (under pytest,
    the test database), Redis for the broker and the cache, static files served from the apps."""
    from backoffice.benchmarks.management.commands.bench_imports import database_url

    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "backoffice.settings",
        "DEBUG": "0",
        "HTTPS": "0",  # loopback: no TLS in front; cookies are not marked secure
        "SECRET_KEY": settings.SECRET_KEY,
        "DATABASE_URL": database_url(connection.settings_dict),
        "REDIS_URL": settings.REDIS_URL,
        "CACHE_URL": os.environ.get("CACHE_URL") or settings.REDIS_URL,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "STATIC_MANIFEST": "0",
        "STATIC_ROOT": str(folder / "static"),  # empty: the files are served from the apps (finders)
        "WHITENOISE_USE_FINDERS": "1",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",  # nothing leaves the machine
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "PYTHONUNBUFFERED": "1",
    }


class Child:
    """A process started in its own session, its output in a log file."""

    def __init__(self, label: str, command: list[str], env: dict[str, str], log: Path) -> None:
        self.label, self.log = label, log
        with log.open("wb") as output:
            self.process = subprocess.Popen(  # noqa: S603 (our interpreter, our modules)
                command,
                cwd=settings.BASE_DIR,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stopped with its children
            )

    def tail(self, size: int = 3000) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return text[-size:]

    def check_alive(self) -> None:
        if self.process.poll() is not None:
            raise CommandError(
                f"{self.label} s'est arrêté (code {self.process.returncode}). "
                f"Fin de son journal :\n{self.tail()}"
            )

    def stop(self) -> None:
        """SIGTERM to the whole group (gunicorn's and dramatiq's workers too), SIGKILL if it lingers."""
        if self.process.poll() is not None:
            self._kill_group(signal.SIGKILL)  # an orphaned grandchild, if any
            return
        self._kill_group(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self._kill_group(signal.SIGKILL)
            self.process.wait(timeout=10)
        self._kill_group(signal.SIGKILL)

    def _kill_group(self, sig: signal.Signals) -> None:
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, sig)


def wait_for(condition: Callable[[], bool], child: Child, what: str) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while not condition():
        child.check_alive()
        if time.monotonic() > deadline:
            raise CommandError(f"{what} n'a pas répondu en {STARTUP_SECONDS:.0f} s :\n{child.tail()}")
        time.sleep(0.3)


def health_answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback http)
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


@contextmanager
def running_stack(folder: Path, *, port: int, workers: int, threads: int) -> Iterator[str]:
    """gunicorn and one Dramatiq worker, ready; the base URL of the site. Both stopped on the way out."""
    (folder / "static").mkdir(exist_ok=True)
    env = child_environment(folder, port=port)
    host = f"http://127.0.0.1:{port}"
    gunicorn = [
        sys.executable,
        "-m",
        "gunicorn",
        "backoffice.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--worker-class",
        "gthread",
        "--timeout",
        "60",
        "--graceful-timeout",
        "10",
        # Longer than any think time: otherwise gunicorn closes an idle connection just as a virtual user
        # reuses it ("Connection reset by peer"); in production the reverse proxy holds the browsers' ones.
        "--keep-alive",
        "75",
        "--log-level",
        "warning",
    ]
    manage = str(Path(settings.BASE_DIR) / "manage.py")
    worker = [sys.executable, manage, "rundramatiq", "--processes", "1", "--threads", "2"]
    with ExitStack() as stack:
        web = Child("gunicorn", gunicorn, {**env, "LOG_LEVEL": "WARNING"}, folder / "gunicorn.log")
        stack.callback(web.stop)
        queue = Child("Le worker Dramatiq", worker, env, folder / "worker.log")
        stack.callback(queue.stop)
        wait_for(lambda: health_answers(f"{host}/sante/"), web, "gunicorn (/sante/)")
        wait_for(lambda: WORKER_READY in queue.tail(100_000), queue, "Le worker Dramatiq")
        yield host
        web.check_alive()
        queue.check_alive()


def run_locust(
    folder: Path, *, host: str, plan: Path, users: int, spawn_rate: float, duration: int
) -> tuple[list[Stat], list[Failure]]:
    """locust headless for `duration` seconds; its statistics per request name, the total last."""
    prefix = folder / "locust"
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "--users",
        str(users),
        "--spawn-rate",
        str(spawn_rate),
        "--run-time",
        f"{duration}s",
        "--host",
        host,
        "--csv",
        str(prefix),
        "--only-summary",
        "--stop-timeout",
        "5",
        "--loglevel",
        "WARNING",
    ]
    env = {**os.environ, "CLEA_LOAD_PLAN": str(plan), "PYTHONUNBUFFERED": "1"}
    locust = Child("locust", command, env, folder / "locust.log")
    try:
        locust.process.wait(timeout=duration + 120)
    except subprocess.TimeoutExpired as late:
        raise CommandError(f"locust ne s'est pas arrêté à temps :\n{locust.tail()}") from late
    finally:
        locust.stop()
    stats_file = Path(f"{prefix}_stats.csv")
    if not stats_file.exists():
        raise CommandError(
            f"locust n'a écrit aucune statistique (code {locust.process.returncode}) :\n{locust.tail()}"
        )
    return read_stats(stats_file), read_failures(Path(f"{prefix}_failures.csv"))


def read_stats(path: Path) -> list[Stat]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [
            Stat(
                name=row["Name"],
                method=row["Type"],
                count=int(row["Request Count"]),
                failures=int(row["Failure Count"]),
                p50=_number(row["50%"]),
                p95=_number(row["95%"]),
                p99=_number(row["99%"]),
                rps=_number(row["Requests/s"]),
            )
            for row in csv.DictReader(handle)
        ]


def read_failures(path: Path) -> list[Failure]:
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as handle:
        return [
            Failure(row["Method"], row["Name"], row["Error"], int(row["Occurrences"]))
            for row in csv.DictReader(handle)
        ]


def _number(value: str) -> float:
    try:
        return float(value)
    except ValueError:  # "N/A" when a name has no request
        return 0.0
