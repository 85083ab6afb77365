"""Production settings are safe by default; each check runs manage.py in a clean process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.signing.helpers import issued_pkcs12

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "SECRET_KEY": "k3Yq!x9-production-like-secret-with-enough-entropy-2026-abcdefghijklmnop",
    "ALLOWED_HOSTS": "backoffice.certifpro.example",
    "DEBUG": "",
    "HTTPS": "",
    "STATIC_MANIFEST": "",
    "WHITENOISE_USE_FINDERS": "",
    "DJANGO_ALLOW_ASYNC_UNSAFE": "",  # only the browser tests need it
    # Certif'Pro's own address and identifiers at the CDC (casefiles/checks.py warns on the demo's).
    "PUBLIC_BASE_URL": "https://backoffice.certifpro.example",
    "CDC_ID_CLIENT": "CP123456",
    "CDC_ID_CONTRAT": "CTR-2026-01",
    "CACHE_URL": "redis://127.0.0.1:6379/1",  # shared by the web processes (the API's rate limits)
    # Certif'Pro's identity on its statements of fees (backoffice/fees/checks.py warns on the demo's).
    "FEES_ISSUER_ADDRESS": "1 place de la République, 75003 Paris",
    "FEES_ISSUER_SIREN": "552100554",
    "FEES_ISSUER_VAT_NUMBER": "FR40552100554",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, **PRODUCTION_ENV, **env}
    environment = {key: value for key, value in environment.items() if value != ""}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,  # a guard against a hung command, not a speed check (collectstatic takes ~25 s)
    )


def test_check_deploy_is_clean_with_production_environment(tmp_path):
    # A seal certificate issued by a CA, as a trust provider delivers it (the tests' own is self-signed).
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SIGNING_PKCS12_PATH=str(issued_pkcs12(tmp_path, "x")),
        SIGNING_PKCS12_PASSWORD="x",
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = manage("check", SECRET_KEY="")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_debug_is_off_and_cookies_are_secure_by_default():
    code = (
        "from django.conf import settings as s;"
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT,"
        " s.LANGUAGE_CODE, s.TIME_ZONE)"
    )
    result = manage("shell", "--no-imports", "-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True", "True", "True", "fr", "Europe/Paris"]


@pytest.mark.parametrize(
    ("env", "broker"),
    [
        ({"REDIS_URL": "redis://127.0.0.1:6379/0"}, "RedisBroker"),
        ({"REDIS_URL": "", "RABBITMQ_URL": "amqp://guest:guest@127.0.0.1:5672/"}, "RabbitmqBroker"),
        ({"REDIS_URL": "", "RABBITMQ_URL": ""}, "StubBroker"),
    ],
)
def test_broker_follows_the_environment(env, broker):
    code = "from django.conf import settings as s; print(s.DRAMATIQ_BROKER['BROKER'], s.INPROCESS_WORKER)"
    result = manage("shell", "--no-imports", "-c", code, **env)
    assert result.returncode == 0, result.stderr
    name, inprocess = result.stdout.split()
    assert name.endswith(broker)
    assert inprocess == str(broker == "StubBroker")


def test_static_files_collect_with_the_manifest_storage(tmp_path):
    result = manage("collectstatic", "--noinput", "-v0", STATIC_ROOT=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "staticfiles.json").exists()
