"""`check --deploy` is clean with production settings, security apps and headers included."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.signing.helpers import issued_pkcs12

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "SECRET_KEY": "k3Yq!x9-production-like-secret-with-enough-entropy-2026-abcdefghijklmnop",
    "ALLOWED_HOSTS": "backoffice.certifpro.example",
    "DEBUG": "0",
    "HTTPS": "1",
    "BEHIND_PROXY": "1",
    "STATIC_MANIFEST": "",
    "WHITENOISE_USE_FINDERS": "",
    "DJANGO_ALLOW_ASYNC_UNSAFE": "",
    "PUBLIC_BASE_URL": "https://backoffice.certifpro.example",
    "CDC_ID_CLIENT": "CP123456",
    "CDC_ID_CONTRAT": "CTR-2026-01",
    "CACHE_URL": "redis://127.0.0.1:6379/1",  # shared by the web processes (the API's rate limits)
    # Certif'Pro's identity on its statements of fees (backoffice/fees/checks.py warns on the demo's).
    "FEES_ISSUER_ADDRESS": "1 place de la République, 75003 Paris",
    "FEES_ISSUER_SIREN": "552100554",
    "FEES_ISSUER_VAT_NUMBER": "FR40552100554",
}


def run_python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, **PRODUCTION_ENV, **env, "DJANGO_SETTINGS_MODULE": "backoffice.settings"}
    environment = {key: value for key, value in environment.items() if value != ""}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup();" + code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,  # a guard against a hung process, not a speed check
    )


def test_check_deploy_reports_no_warning_in_production(tmp_path):
    # A seal certificate issued by a CA (not the demo's self-signed one), and the credentials' keys.
    result = run_python(
        "from django.core.management import call_command;"
        "call_command('check', deploy=True, fail_level='WARNING')",
        SIGNING_PKCS12_PATH=str(issued_pkcs12(tmp_path, "x")),
        SIGNING_PKCS12_PASSWORD="x",
    )

    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_check_deploy_would_fail_on_a_warning():
    result = run_python(
        "from django.core.management import call_command;"
        "call_command('check', deploy=True, fail_level='WARNING')",
        HTTPS="0",
    )

    assert result.returncode != 0
    assert "security.W008" in result.stderr + result.stdout  # SECURE_SSL_REDIRECT off


def test_check_deploy_warns_of_the_demo_cdc_identifiers_and_a_local_address():
    result = run_python(
        "from django.core.management import call_command;"
        "call_command('check', deploy=True, fail_level='WARNING')",
        CDC_ID_CLIENT="DEMO0001",
        PUBLIC_BASE_URL="http://127.0.0.1:8000",
    )

    assert result.returncode != 0
    assert (
        "casefiles.W001" in result.stderr + result.stdout
        and "casefiles.W002" in result.stderr + result.stdout
    )


def test_check_deploy_warns_of_a_malformed_cdc_identifier_and_a_missing_schema():
    result = run_python(
        "from django.core.management import call_command;"
        "call_command('check', deploy=True, fail_level='WARNING')",
        CDC_ID_CLIENT="CP12",
        CDC_SCHEMA_VERSION="9.9.9",
    )

    assert result.returncode != 0
    output = result.stderr + result.stdout
    assert "casefiles.W003" in output and "casefiles.W004" in output


def test_production_has_the_hardening_on():
    result = run_python(
        "from django.conf import settings as s;"
        "print(s.AXES_ENABLED, s.AXES_FAILURE_LIMIT, s.AXES_COOLOFF_TIME.total_seconds(),"
        " s.SESSION_EXPIRE_AT_BROWSER_CLOSE, s.SESSION_IDLE_MINUTES, s.SESSION_COOKIE_SECURE,"
        " 'csp.middleware.CSPMiddleware' in s.MIDDLEWARE,"
        " 'django_otp.middleware.OTPMiddleware' in s.MIDDLEWARE,"
        " [m for m in s.MIDDLEWARE if not m.startswith('viewflow.')][-1] == 'axes.middleware.AxesMiddleware',"
        " s.AUTHENTICATION_BACKENDS[0])"
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        *["True", "5", "900.0", "True", "60", "True", "True", "True", "True"],
        "axes.backends.AxesStandaloneBackend",
    ]


def test_the_lockout_settings_follow_the_environment():
    result = run_python(
        "from django.conf import settings as s;"
        "print(s.AXES_FAILURE_LIMIT, s.AXES_COOLOFF_TIME.total_seconds())",
        AXES_FAILURE_LIMIT="3",
        AXES_COOLOFF_MINUTES="30",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["3", "1800.0"]
