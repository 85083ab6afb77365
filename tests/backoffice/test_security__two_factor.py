"""Optional two-factor authentication (TOTP): enrolment with a QR code, then a code after the password."""

from __future__ import annotations

import re
from base64 import b32decode

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from backoffice.core.audit.models import AuditEvent
from backoffice.core.security.services import enrol_totp_device

PASSWORD = "motdepasse-de-test-42"


def code_for(key_hex: str, *, offset_steps: int = 0) -> str:
    return f"{totp(bytes.fromhex(key_hex), t0=-offset_steps * 30):06d}"


def secret_shown(page: str) -> str:
    """The base32 key printed under the QR code, back to hex."""
    grouped = re.search(r'<code class="security-secret">([A-Z2-7 ]+)</code>', page)
    assert grouped is not None
    return b32decode(grouped.group(1).replace(" ", "")).hex()


def log_in(client: Client, username: str = "officer.idf"):  # type: ignore[no-untyped-def]
    return client.post(reverse("login"), {"username": username, "password": PASSWORD})


@pytest.fixture
def enrolled_officer(officer):  # type: ignore[no-untyped-def]
    key = "3132333435363738393031323334353637383930"
    enrol_totp_device(officer, key=key, token=code_for(key), actor=officer)
    device = TOTPDevice.objects.get(user=officer)
    device.last_t = -1  # the enrolment code may be the current one: let the test type it again
    device.save()
    return officer, key


def test_the_enrolment_page_shows_a_qr_code_as_inline_svg_and_the_key(officer, client_for):
    response = client_for(officer).get(reverse("two_factor"))

    page = response.content.decode()
    assert response.status_code == 200
    assert '<svg width="' in page and 'class="segno"' in page
    assert len(secret_shown(page)) == 40
    assert not TOTPDevice.objects.filter(user=officer).exists()


def test_a_person_enrols_with_the_current_code_and_it_is_audited(officer, client_for):
    client = client_for(officer)
    key = secret_shown(client.get(reverse("two_factor")).content.decode())

    response = client.post(reverse("two_factor"), {"otp_token": code_for(key)})

    assert response.status_code == 302
    device = TOTPDevice.objects.get(user=officer)
    assert device.confirmed and device.key == key
    assert AuditEvent.objects.filter(verb="user.two_factor_enabled", subject_id=str(officer.pk)).exists()
    assert client.get("/accueil/").status_code == 200  # this session counts as verified


def test_a_wrong_code_does_not_enrol(officer, client_for):
    client = client_for(officer)
    key = secret_shown(client.get(reverse("two_factor")).content.decode())

    response = client.post(reverse("two_factor"), {"otp_token": code_for(key, offset_steps=10)})

    assert response.status_code == 200
    assert "Code incorrect ou expiré" in response.content.decode()
    assert not TOTPDevice.objects.exists()


@pytest.mark.parametrize("typed", ["", "12ab56", "1234567890123", "<script>"])
def test_a_malformed_code_gets_a_french_message(officer, client_for, typed):
    response = client_for(officer).post(reverse("two_factor"), {"otp_token": typed})

    assert response.status_code == 200
    assert "Saisissez les 6 chiffres" in response.content.decode()
    assert not TOTPDevice.objects.exists()


def test_after_the_password_an_enrolled_person_is_asked_for_the_code(enrolled_officer):
    client = Client()
    assert log_in(client).status_code == 302

    response = client.get("/accueil/")

    assert response.status_code == 302
    assert response["Location"] == reverse("two_factor_verify") + "?next=%2Faccueil%2F"
    assert client.get(response["Location"]).status_code == 200


def test_every_page_stays_closed_until_the_code_is_typed(enrolled_officer):
    client = Client()
    log_in(client)

    for url in ["/", "/dossiers/", reverse("two_factor"), "/admin/"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("two_factor_verify")), url


def test_the_right_code_opens_the_session_and_returns_to_the_page_asked(enrolled_officer):
    _, key = enrolled_officer
    client = Client()
    log_in(client)

    response = client.post(reverse("two_factor_verify"), {"otp_token": code_for(key), "next": "/accueil/"})

    assert response.status_code == 302
    assert response["Location"] == "/accueil/"
    assert client.get("/accueil/").status_code == 200


def test_a_wrong_code_keeps_the_session_closed(enrolled_officer):
    _, key = enrolled_officer
    client = Client()
    log_in(client)

    response = client.post(reverse("two_factor_verify"), {"otp_token": code_for(key, offset_steps=10)})

    assert response.status_code == 200
    assert "Code incorrect ou expiré" in response.content.decode()
    assert client.get("/accueil/").status_code == 302


def test_a_used_code_cannot_be_replayed(enrolled_officer):
    _, key = enrolled_officer
    first = Client()
    log_in(first)
    first.post(reverse("two_factor_verify"), {"otp_token": code_for(key)})

    second = Client()
    log_in(second)
    response = second.post(reverse("two_factor_verify"), {"otp_token": code_for(key)})

    assert response.status_code == 200
    assert second.get("/accueil/").status_code == 302


def test_the_next_address_must_stay_on_the_site(enrolled_officer):
    _, key = enrolled_officer
    client = Client()
    log_in(client)

    response = client.post(
        reverse("two_factor_verify"), {"otp_token": code_for(key), "next": "https://evil.example/"}
    )

    assert response["Location"] == "/"


def test_a_person_without_a_device_is_never_asked(officer):
    client = Client()
    log_in(client)

    assert client.get("/accueil/").status_code == 200


def test_turning_it_off_needs_a_current_code_and_is_audited(enrolled_officer):
    officer, key = enrolled_officer
    client = Client()
    log_in(client)
    client.post(reverse("two_factor_verify"), {"otp_token": code_for(key)})
    TOTPDevice.objects.filter(user=officer).update(last_t=-1)

    refused = client.post(reverse("two_factor"), {"otp_token": code_for(key, offset_steps=10)})
    assert refused.status_code == 200 and TOTPDevice.objects.filter(user=officer).exists()

    # One failure throttles the device for a second: reset the throttle instead of sleeping.
    TOTPDevice.objects.filter(user=officer).update(
        throttling_failure_count=0, throttling_failure_timestamp=None
    )
    response = client.post(reverse("two_factor"), {"otp_token": code_for(key)})

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=officer).exists()
    assert AuditEvent.objects.filter(verb="user.two_factor_disabled", subject_id=str(officer.pk)).exists()
    assert (
        Client().post(reverse("login"), {"username": "officer.idf", "password": PASSWORD}).status_code == 302
    )


def test_a_device_removed_by_an_administrator_no_longer_blocks_the_session(enrolled_officer):
    officer, _ = enrolled_officer
    client = Client()
    log_in(client)
    TOTPDevice.objects.filter(user=officer).delete()

    response = client.get(reverse("two_factor_verify") + "?next=/accueil/")

    assert response.status_code == 302 and response["Location"] == "/accueil/"
    assert client.get("/accueil/").status_code == 200
