"""Personas of the house style: an officer and a jury member in Île-de-France, a supervisor, an
evaluator of one organisation, outsiders of another region and of another organisation."""

from __future__ import annotations

from pathlib import Path

import dramatiq
import pytest
from django.conf import settings
from django.db import connections
from django.test import Client
from pytest_django.plugin import blocking_manager_key

import backoffice.urls  # noqa: F401  (Viewflow reverses need the root URLconf imported)
from accreditation.models import Department, Region
from accreditation.services import set_user_scope
from backoffice.core.accounts.roles import Role
from backoffice.core.signing.keys import generate_demo_keys
from fixtures.reference import load_reference_data
from tests.factories import AccreditationFactory, OrganisationFactory, SiteFactory, UserFactory


def pytest_configure(config):  # type: ignore[no-untyped-def]
    """The documents are signed with the keys pyproject's env names (var/test-keys): written at the first
    run, kept afterwards (several test processes may start at once: each file appears whole, once)."""
    generate_demo_keys(Path(settings.BASE_DIR) / "var" / "test-keys", "test-only")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """Reference data exists in every test, as it does in every deployment."""
    with django_db_blocker.unblock():
        load_reference_data()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):  # type: ignore[no-untyped-def]
    """A transactional test (browser, worker, faults) ends by emptying every table: the reference data
    comes back at once, as in every deployment, for the tests after it."""
    yield
    # After the session's last test the test database is gone: nothing to restore (and no other database
    # to touch).
    if nextitem is not None and {"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ())):
        with item.config.stash[blocking_manager_key].unblock():
            load_reference_data()


@pytest.fixture(autouse=True)
def empty_queues(request):  # type: ignore[no-untyped-def]
    """A transactional test (the ones that run a worker) starts from empty queues: a message an earlier test
    sent on commit names rows that are gone, so a worker would retry it with back-off and a join on the queue
    would outlast its timeout (seen in CI: QueueJoinTimeout on a test that passes alone)."""
    if {"transactional_db", "live_server"} & set(request.fixturenames):
        dramatiq.get_broker().flush_all()


@pytest.fixture(autouse=True)
def fast_password_hashes(settings):  # type: ignore[no-untyped-def]
    """A persona's PBKDF2 hash costs half a second: tests hash with MD5 (PBKDF2 still checks old ones)."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]


@pytest.fixture(autouse=True)
def empty_query_log():  # type: ignore[no-untyped-def]
    """Each test counts its queries from an empty log: the log keeps 9,000 entries, and once full,
    `CaptureQueriesContext` (which counts by the log's length) would capture nothing and any query
    count would compare 0 with 0."""
    for connection in connections.all(initialized_only=True):
        connection.queries_log.clear()


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):  # type: ignore[no-untyped-def]
    """Uploaded documents of each test go to its own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def idf(db) -> Region:  # type: ignore[no-untyped-def]
    return Region.objects.get(code="IDF")


@pytest.fixture
def ara(db) -> Region:  # type: ignore[no-untyped-def]
    return Region.objects.get(code="ARA")


@pytest.fixture
def idf_site(idf):  # type: ignore[no-untyped-def]
    site = SiteFactory(department=Department.objects.get(code="93"))
    AccreditationFactory(site=site)
    return site


@pytest.fixture
def ara_site(ara):  # type: ignore[no-untyped-def]
    site = SiteFactory(department=Department.objects.get(code="69"))
    AccreditationFactory(site=site)
    return site


@pytest.fixture
def officer(idf):  # type: ignore[no-untyped-def]
    user = UserFactory(username="officer.idf", role=Role.CASE_OFFICER)
    set_user_scope(user, regions=[idf], actor=None)
    return user


@pytest.fixture
def jury_member(idf):  # type: ignore[no-untyped-def]
    user = UserFactory(username="jury.idf", role=Role.JURY_MEMBER)
    set_user_scope(user, regions=[idf], actor=None)
    return user


@pytest.fixture
def supervisor(db):  # type: ignore[no-untyped-def]
    user = UserFactory(username="supervisor", role=Role.SUPERVISOR)
    set_user_scope(user, national=True, actor=None)
    return user


@pytest.fixture
def evaluator(idf_site):  # type: ignore[no-untyped-def]
    user = UserFactory(username="evaluator", role=Role.EVALUATOR_STAFF)
    set_user_scope(user, organisation=idf_site.organisation, actor=None)
    return user


@pytest.fixture
def trainer(idf_site):  # type: ignore[no-untyped-def]
    user = UserFactory(username="trainer", role=Role.TRAINER_STAFF)
    set_user_scope(user, organisation=idf_site.organisation, actor=None)
    return user


@pytest.fixture
def administrator(db):  # type: ignore[no-untyped-def]
    return UserFactory(username="administrator", role=Role.ADMINISTRATOR, is_staff=True)


@pytest.fixture
def officer_of_other_region(ara):  # type: ignore[no-untyped-def]
    # Outsiders have fixed names: a random one could be a name the page must not show (seen: « Bernard »).
    user = UserFactory(
        username="officer.ara", first_name="Odile", last_name="Lyonnet", role=Role.CASE_OFFICER
    )
    set_user_scope(user, regions=[ara], actor=None)
    return user


@pytest.fixture
def evaluator_of_other_organisation(db):  # type: ignore[no-untyped-def]
    other = OrganisationFactory()
    SiteFactory(organisation=other, department=Department.objects.get(code="75"))
    user = UserFactory(
        username="evaluator.other", first_name="Ernest", last_name="Autreville", role=Role.EVALUATOR_STAFF
    )
    set_user_scope(user, organisation=other, actor=None)
    return user


@pytest.fixture
def client_for():  # type: ignore[no-untyped-def]
    def make(user) -> Client:  # type: ignore[no-untyped-def]
        client = Client()
        client.force_login(user)
        return client

    return make
