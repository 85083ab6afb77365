"""`check --deploy` warns when the documents would go out unsigned, signed with the demo's self-signed
certificate or with one about to expire, and when the credentials have no key."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from backoffice.core.signing import pdf
from backoffice.core.signing.checks import signing_keys
from backoffice.core.signing.models import SignedKind
from backoffice.core.signing.pdf import sign_pdf, signing_statement, verify_pdf
from tests.signing.helpers import issued_pkcs12


def ids() -> set[str]:
    return {message.id for message in signing_keys()}


def test_the_demo_certificate_is_reported_self_signed():
    assert ids() == {"signing.W002"}
    assert "certificat de démonstration, non qualifié" in signing_statement()


def test_no_signing_certificate_and_no_credential_key_are_reported(settings):
    settings.SIGNING_PKCS12_PATH, settings.CREDENTIAL_KEY_PATHS = "", []

    assert ids() == {"signing.W001", "signing.W004"}


def test_an_unreadable_certificate_is_an_error(settings):
    settings.SIGNING_PKCS12_PASSWORD = "pas-le-bon"

    assert ids() == {"signing.E001"}
    assert "illisible" in signing_statement()


@pytest.mark.parametrize("years", [9.9, 11])
def test_a_certificate_expiring_within_60_days_or_expired_is_reported(years):
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=365 * years), tick=False):
        assert "signing.W003" in ids()


@pytest.mark.django_db
def test_a_certificate_from_a_trust_provider_raises_no_warning_and_proves_integrity_only(
    settings, tmp_path, unsigned_pdf
):
    settings.SIGNING_PKCS12_PATH, settings.SIGNING_PKCS12_PASSWORD = str(issued_pkcs12(tmp_path, "x")), "x"

    verdict = verify_pdf(
        sign_pdf(unsigned_pdf, kind=SignedKind.DECISION_LETTER, reference="1", label="Lettre")
    )

    assert ids() == set()
    assert verdict.valid and verdict.lines[0] == (True, pdf.VALID_NOT_QUALIFIED)
    assert "certificat de Certif'Pro, non qualifié" in signing_statement()
