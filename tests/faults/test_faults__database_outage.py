"""PostgreSQL unreachable for three seconds (a proxy between the database and its clients is cut, then
restored). While a worker applies an import: the apply's transaction is lost, the message is retried, and
the file is imported exactly once. While a person works in the web application: every request answers an
error quickly and writes nothing, and once the database is back the same form post is saved once."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
import requests
from django.db import connection

from backoffice.core.audit.models import AuditEvent
from backoffice.imports import services
from backoffice.imports.models import ImportJob, ImportStatus
from backoffice.notifications.models import EmailMode, Preference
from casefiles.models import Candidate, CaseFile
from tests.backoffice.imports_helpers import upload
from tests.factories import UserFactory
from tests.faults.harness import (
    RedisServer,
    TcpProxy,
    WebServer,
    a_query_waits_on_a_lock,
    child_env,
    database_url,
    id_held,
    next_id,
    wait_until,
)
from tests.faults.world import HOLDING_CANDIDATE, accredited_evaluator, candidates_file

ROWS = services.BATCH_ROWS + 500
HELD_ROW = services.BATCH_ROWS + 100  # in the second and last batch
OUTAGE_S = 3.0
# A request during the outage answers within this (the database refuses at once); beyond, it hangs.
ANSWER_S = 5.0
PASSWORD = "Coupure-de-base-2026"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PREFERENCES = "/notifications/preferences/"


@pytest.fixture
def proxy(transactional_db):  # type: ignore[no-untyped-def]
    params = connection.settings_dict
    proxy = TcpProxy((params["HOST"] or "127.0.0.1", int(params["PORT"] or 5432)))
    try:
        yield proxy
    finally:
        proxy.close()


def _through(proxy: TcpProxy) -> str:
    """The test database's address, through the proxy."""
    return database_url({**connection.settings_dict, "HOST": "127.0.0.1", "PORT": str(proxy.port)})


def _status(job_id: int) -> str:
    return ImportJob.objects.values_list("status", flat=True).get(pk=job_id)


def test_an_apply_cut_off_from_the_database_is_retried_and_imports_the_file_once(
    start_worker, broker, redis_server, proxy
):
    site, evaluator = accredited_evaluator()
    start_worker(threads=2, DATABASE_URL=_through(proxy))
    job = services.create_import(
        contract="candidates", upload=upload(candidates_file(site.siret, ROWS)), actor=evaluator
    )
    wait_until(lambda: _status(job.pk) == ImportStatus.VALIDATED, timeout=90, what="la vérification")
    cache = redis.Redis(port=redis_server.port, db=1)
    # A candidate's id of the last batch is held: the apply waits there, its first batch written, whatever
    # the machine's load; the database goes away at that moment.
    with id_held(Candidate, next_id(Candidate) + HELD_ROW - 1, **HOLDING_CANDIDATE):
        services.confirm_import(job, skip_invalid=False, actor=evaluator)
        wait_until(a_query_waits_on_a_lock, timeout=60, what="l'application arrêtée dans son dernier lot")
        assert 0 < int(cache.get(f":1:import-progress:{job.pk}") or 0) < 99
        proxy.cut()
        cut_at = time.monotonic()
    # Released: the worker's session, its client gone, rolls back (it no longer holds the job's row lock
    # when the message is retried).
    time.sleep(max(0.0, OUTAGE_S - (time.monotonic() - cut_at)))  # the outage lasts its full length
    assert _status(job.pk) == ImportStatus.APPLYING and CaseFile.objects.count() == 0
    proxy.restore()

    # Retried by Dramatiq after its back-off (15 to 30 s for the first retry).
    wait_until(lambda: _status(job.pk) == ImportStatus.APPLIED, timeout=90, what="l'application reprise")
    assert CaseFile.objects.count() == ROWS and Candidate.objects.count() == ROWS
    assert len(set(CaseFile.objects.values_list("reference", flat=True))) == ROWS
    assert AuditEvent.objects.filter(verb="import.applied").count() == 1


@pytest.fixture
def member(transactional_db, settings):  # type: ignore[no-untyped-def]
    """A signed-in person of the back-office, with a password gunicorn's settings can check (PBKDF2)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    return UserFactory(username="agent.coupure", password=PASSWORD)


@pytest.fixture
def web(proxy: TcpProxy, redis_server: RedisServer, tmp_path: Path) -> Iterator[WebServer]:
    """gunicorn as in production (DEBUG off, persistent connections), on the test database via the proxy."""
    (tmp_path / "static").mkdir()
    server = WebServer(
        tmp_path / "gunicorn.log",
        child_env(
            DATABASE_URL=_through(proxy),
            DEBUG="0",
            HTTPS="0",  # loopback: no TLS in front, cookies are not marked secure
            ALLOWED_HOSTS="127.0.0.1",
            STATIC_MANIFEST="0",
            STATIC_ROOT=str(tmp_path / "static"),  # empty: the files are served from the apps (finders)
            WHITENOISE_USE_FINDERS="1",
            REDIS_URL=redis_server.url(0),
            CACHE_URL=redis_server.url(1),
            LOG_LEVEL="WARNING",
        ),
    )
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


def _log_in(base: str, username: str) -> requests.Session:
    """Through the login form, as a browser: its CSRF cookie and token, then the session cookie."""
    browser = requests.Session()
    form = browser.get(f"{base}/accounts/login/", timeout=10)
    token = CSRF.search(form.text)
    assert form.status_code == 200 and token, form.text[:500]
    answer = browser.post(
        f"{base}/accounts/login/",
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token.group(1)},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302 and not answer.headers["Location"].startswith("/accounts/"), answer.text
    return browser


def _timed(call: Callable[[], requests.Response]) -> tuple[requests.Response | None, float]:
    """The answer (None if none came within ANSWER_S) and how long it took."""
    started = time.monotonic()
    try:
        answer: requests.Response | None = call()
    except requests.Timeout:
        answer = None
    return answer, time.monotonic() - started


def _assert_clean_error(answer: requests.Response | None, took: float, what: str) -> None:
    assert answer is not None and took < ANSWER_S, f"{what} : pas de réponse en {ANSWER_S} s"
    assert answer.status_code in {500, 502, 503}, f"{what} : {answer.status_code}"
    for leak in ("Traceback", "OperationalError", "psycopg", "DATABASES", "SECRET_KEY"):
        assert leak not in answer.text, f"{what} : la page d'erreur montre « {leak} »"


def _preference_events(user) -> int:  # type: ignore[no-untyped-def]
    return AuditEvent.objects.filter(verb="notification.preference_changed", actor=user).count()


def _mode(user) -> str | None:  # type: ignore[no-untyped-def]
    return Preference.objects.filter(user=user).values_list("email_mode", flat=True).first()


def test_a_form_posted_while_the_database_is_cut_off_fails_fast_writes_nothing_and_succeeds_after(
    web, proxy, member
):
    browser = _log_in(web.url, member.username)
    page = browser.get(f"{web.url}/notifications/", timeout=10)
    assert page.status_code == 200
    token = CSRF.search(page.text).group(1)  # type: ignore[union-attr]

    def choose(mode: str) -> requests.Response:
        data = {"csrfmiddlewaretoken": token, "email_mode": mode}
        return browser.post(f"{web.url}{PREFERENCES}", data=data, allow_redirects=False, timeout=ANSWER_S)

    # Before the outage the form saves, with its audit event.
    assert choose(EmailMode.DIGEST).status_code == 302
    assert _mode(member) == EmailMode.DIGEST and _preference_events(member) == 1

    proxy.cut()
    cut_at = time.monotonic()
    posted, post_took = _timed(lambda: choose(EmailMode.IMMEDIATE))
    pages = {
        path: _timed(lambda path=path: browser.get(f"{web.url}{path}", timeout=ANSWER_S))
        for path in ("/notifications/", "/", "/sante/")
    }
    time.sleep(max(0.0, OUTAGE_S - (time.monotonic() - cut_at)))  # the outage lasts its full length
    # Read directly from PostgreSQL, not through the proxy: nothing of the post was written.
    assert _mode(member) == EmailMode.DIGEST and _preference_events(member) == 1
    proxy.restore()

    _assert_clean_error(posted, post_took, f"POST {PREFERENCES} pendant la coupure")
    for path, (answer, took) in pages.items():
        _assert_clean_error(answer, took, f"GET {path} pendant la coupure")

    # The database is back: the same post, sent again by the person, is saved exactly once.
    again = choose(EmailMode.IMMEDIATE)
    assert again.status_code == 302 and again.headers["Location"] == "/notifications/", again.text[:500]
    assert _mode(member) == EmailMode.IMMEDIATE and _preference_events(member) == 2
    assert browser.get(f"{web.url}/notifications/", timeout=10).status_code == 200
    # The server lived through the outage: neither gunicorn nor its worker process was restarted.
    assert web.process.poll() is None and web.tail(1_000_000).count("Booting worker") == 1, web.tail()
