"""What the fault tests break and restore: a Redis server of their own, real worker processes
(`manage.py rundramatiq`, as production starts them), a real web server (gunicorn), a TCP proxy in front of
PostgreSQL that can be cut, and polling with a deadline instead of sleeping."""

from __future__ import annotations

import contextlib
import http.client
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import dramatiq
import redis
from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import Model
from django_dramatiq.utils import load_middleware
from dramatiq.brokers.redis import MAINTENANCE_SCALE, RedisBroker

from backoffice.benchmarks.management.commands.bench_imports import database_url

ROOT = Path(settings.BASE_DIR)
READY = "Worker process is ready for action."
QUEUES = ("default", "imports", "notifications")
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until(predicate: Callable[[], Any], *, timeout: float, what: str, every: float = 0.05) -> Any:
    """Poll until `predicate()` is truthy; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"délai dépassé ({timeout} s) : {what}")
        time.sleep(every)


class RedisServer:
    """A redis-server of the test's own, without persistence: stopping it loses every queued message."""

    def __init__(self, folder: Path) -> None:
        self.port, self.folder = free_port(), folder
        self.process: subprocess.Popen[bytes] | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.folder), "--logfile", str(self.folder / "redis.log")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        client = redis.Redis(port=self.port)
        wait_until(lambda: self._answers(client), timeout=10, what="le démarrage de Redis")

    def shutdown(self) -> None:
        """SHUTDOWN NOSAVE, as an operator restarting the broker: what it held is gone."""
        if self.process is None:
            return
        with contextlib.suppress(redis.ConnectionError):
            redis.Redis(port=self.port).shutdown(nosave=True)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None

    @staticmethod
    def _answers(client: redis.Redis) -> bool:
        try:
            return bool(client.ping())
        except redis.ConnectionError:
            return False


@contextlib.contextmanager
def broker_on(url: str) -> Iterator[RedisBroker]:
    """Every actor of this process sends to `url` (the test's Redis), never to the shared broker."""
    previous = dramatiq.get_broker()
    middleware = [load_middleware(path) for path in settings.DRAMATIQ_BROKER["MIDDLEWARE"]]
    broker = RedisBroker(url=url, middleware=middleware)
    actors = list(previous.actors.values())
    for actor in actors:
        actor.broker = broker
        broker.declare_actor(actor)
    dramatiq.set_broker(broker)
    try:
        yield broker
    finally:
        for actor in actors:
            actor.broker = previous
        dramatiq.set_broker(previous)
        broker.close()


def redeliver_messages_of_dead_workers(url: str) -> None:
    """What the Redis broker does once a worker has missed its heartbeats (60 s in production): the messages
    it had fetched and not acknowledged go back to their queue. Run while no worker is alive."""
    janitor = RedisBroker(url=url, heartbeat_timeout=1, maintenance_chance=MAINTENANCE_SCALE)
    time.sleep(0.01)
    try:
        for queue in QUEUES:
            for name in (queue, f"{queue}.DQ"):
                janitor.do_qsize(name)
    finally:
        janitor.close()


class WorkerProcess:
    """`manage.py rundramatiq`: the dramatiq command and its worker process, in a process group of its own."""

    def __init__(self, log: Path, env: dict[str, str], threads: int) -> None:
        self.log = log
        command = [sys.executable, str(ROOT / "manage.py"), "rundramatiq", "--processes", "1",
                   "--threads", str(threads), "--worker-shutdown-timeout", "5000"]  # fmt: skip
        with log.open("ab") as output:
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def tail(self, size: int = 4000) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-size:] if self.log.exists() else ""

    def wait_ready(self, *, timeout: float = 60) -> None:
        def ready() -> bool:
            if self.process.poll() is not None:
                raise AssertionError(f"le worker s'est arrêté :\n{self.tail()}")
            return READY in self.tail(size=1_000_000)

        wait_until(ready, timeout=timeout, what=f"le démarrage du worker\n{self.tail()}", every=0.1)

    def kill(self) -> None:
        """SIGKILL to the whole group: no handler runs, nothing is acknowledged, transactions are cut."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """At the end of a test the work is done or abandoned: the group is killed, nothing is left behind."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


class WebServer:
    """`gunicorn backoffice.wsgi`, one process and two threads, in a process group of its own."""

    def __init__(self, log: Path, env: dict[str, str]) -> None:
        self.log, self.port = log, free_port()
        command = [sys.executable, "-m", "gunicorn", "backoffice.wsgi", "--bind", f"127.0.0.1:{self.port}",
                   "--workers", "1", "--threads", "2", "--timeout", "30"]  # fmt: skip
        with log.open("ab") as output:
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def tail(self, size: int = 4000) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-size:] if self.log.exists() else ""

    def wait_ready(self, *, timeout: float = 60) -> None:
        def ready() -> bool:
            if self.process.poll() is not None:
                raise AssertionError(f"gunicorn s'est arrêté :\n{self.tail()}")
            probe = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            try:
                probe.request("GET", "/sante/")
                return probe.getresponse().status == 200
            except OSError:
                return False
            finally:
                probe.close()

        wait_until(ready, timeout=timeout, what=f"le démarrage de gunicorn\n{self.tail()}", every=0.1)

    def stop(self) -> None:
        """SIGKILL to the whole group (the arbiter and its worker): nothing is left listening."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


def child_env(**overrides: str) -> dict[str, str]:
    """The environment of a worker or web process: this test's database, media and emails."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url(connection.settings_dict),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "PYTHONUNBUFFERED": "1",
        "LOG_LEVEL": "INFO",
        "CONN_MAX_AGE": "60",
    }
    env.update(overrides)
    return env


class TcpProxy:
    """127.0.0.1:port → target, in a thread; `cut()` drops every connection and refuses new ones (the
    database is unreachable) until `restore()`."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target, self.port = target, free_port()
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self.restore()

    def restore(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        self._thread = threading.Thread(target=self._accept, args=(listener,), daemon=True)
        self._thread.start()

    def cut(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for pair in pairs:
            for end in pair:
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)
                end.close()

    close = cut

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            with self._lock:
                self._pairs.append((client, server))
            threading.Thread(target=self._pump, args=(client, server), daemon=True).start()

    @staticmethod
    def _pump(client: socket.socket, server: socket.socket) -> None:
        ends = {client: server, server: client}
        try:
            while True:
                readable, _, _ = select.select(list(ends), [], [], 1.0)
                for end in readable:
                    data = end.recv(65536)
                    if not data:
                        return
                    ends[end].sendall(data)
        except (OSError, ValueError):
            return
        finally:
            for end in ends:
                with contextlib.suppress(OSError):
                    end.close()


def next_id(model: type[Model]) -> int:
    """The id the table's sequence hands out next."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [model._meta.db_table])
        cursor.execute(f"SELECT last_value, is_called FROM {cursor.fetchone()[0]}")  # noqa: S608
        last_value, is_called = cursor.fetchone()
    return int(last_value) + (1 if is_called else 0)


@contextlib.contextmanager
def id_held(model: type[Model], pk: int, **fields: Any) -> Iterator[None]:
    """Another transaction inserts a row under this id and keeps it uncommitted until the block ends. A bulk
    write that draws this id from the sequence waits on the primary key's index: a worker is stopped in the
    middle of its transaction, at a known row, whatever the machine's load (no race between its speed and
    the test's polling)."""
    inserted, release = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def hold() -> None:
        try:
            with transaction.atomic():
                model._default_manager.create(pk=pk, **fields)
                inserted.set()
                release.wait(timeout=120)
                transaction.set_rollback(True)
        except BaseException as error:  # reported by the test's own thread
            failures.append(error)
        finally:
            inserted.set()
            connections.close_all()

    holder = threading.Thread(target=hold, daemon=True)
    holder.start()
    inserted.wait(timeout=30)
    assert not failures, failures
    try:
        yield
    finally:
        release.set()
        holder.join(timeout=30)


def a_query_waits_on_a_lock() -> bool:
    """Some other session of the test database waits for a lock (the worker stopped by `id_held`)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return bool(cursor.fetchone()[0])
