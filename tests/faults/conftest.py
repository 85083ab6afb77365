"""Fault tests: each runs against a Redis server of its own (restarted at will) and real worker processes,
on committed rows (the workers read the test database through their own connections)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from dramatiq.brokers.redis import RedisBroker

from tests.faults.harness import RedisServer, WorkerProcess, broker_on, child_env


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.shutdown()


@pytest.fixture
def broker(redis_server: RedisServer) -> Iterator[RedisBroker]:
    with broker_on(redis_server.url(0)) as broker:
        yield broker


@pytest.fixture
def outbox(tmp_path: Path) -> Path:
    """The workers write their emails here (Django's file backend) instead of sending them."""
    folder = tmp_path / "emails"
    folder.mkdir()
    return folder


@pytest.fixture
def start_worker(
    transactional_db, redis_server: RedisServer, outbox: Path, tmp_path: Path
) -> Iterator[Callable[..., WorkerProcess]]:
    """Start a worker process (ready to consume when returned); every one is stopped at the end."""
    started: list[WorkerProcess] = []

    def start(*, threads: int = 2, **env: str) -> WorkerProcess:
        worker = WorkerProcess(
            tmp_path / f"worker-{len(started) + 1}.log",
            child_env(
                REDIS_URL=redis_server.url(0),
                CACHE_URL=redis_server.url(1),
                EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
                EMAIL_FILE_PATH=str(outbox),
                **env,
            ),
            threads,
        )
        started.append(worker)
        worker.wait_ready()
        return worker

    try:
        yield start
    finally:
        for worker in started:
            worker.stop()
