"""The public verification page: what a certificate's QR code opens, without login, limited per address."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import formats

from casefiles.services import revoke_certificate
from tests.backoffice.test_views__certificates import awarded, certificate, issued  # noqa: F401
from tests.casefiles.conftest import TODAY

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_rate_limits():
    cache.clear()
    yield
    cache.clear()


def verify(number: str, *, address: str = "198.51.100.7"):
    response = Client(REMOTE_ADDR=address).get(f"/verifier/{number}/")
    return response, unescape(response.content.decode())


def test_a_valid_certificate_shows_the_holder_the_certification_and_the_date_only(certificate):  # noqa: F811
    response, text = verify(certificate.number)
    assert response.status_code == 200
    assert "Certificat valide" in text
    facts = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text))
    assert f"Numéro {certificate.number} " in facts and "Titulaire Inès BERNARD " in facts
    assert "Certification Certification CléA " in facts and "Délivré par Certif'Pro" in facts
    assert f"Date d'obtention {formats.date_format(TODAY, 'j F Y')} " in facts
    case_file = certificate.case_file
    for private in (
        "01/06/1995",  # birth date
        case_file.evaluation_site.siret,
        case_file.evaluation_site.name,
        "Paris, Transitions Pro IDF",  # the session's place
        "/certificats/",
    ):
        assert private not in text


def test_the_form_verifies_a_number_typed_in_lower_case(certificate):  # noqa: F811
    response = Client().get("/verifier/", {"numero": f"  {certificate.number.lower()} "})
    assert response.status_code == 200
    assert "Certificat valide" in unescape(response.content.decode())


def test_the_form_alone_needs_no_login(db):
    response = Client().get("/verifier/")
    assert response.status_code == 200
    assert 'name="numero"' in response.content.decode()


def test_a_revoked_certificate_says_so_without_the_reason(certificate, supervisor):  # noqa: F811
    revoke_certificate(certificate, reason="Fraude avérée au jury", actor=supervisor)
    response, text = verify(certificate.number)
    assert response.status_code == 200
    assert "Certificat retiré" in text and "Inès BERNARD" in text and "Certification CléA" in text
    assert "Fraude" not in text and "Certificat valide" not in text


def test_an_unknown_number_is_unknown(db):
    response, text = verify(f"CLEA-{TODAY.year}-IDF-999999")
    assert response.status_code == 200
    assert "Numéro inconnu" in text


def test_a_certificate_still_being_edited_is_unknown(awarded):  # noqa: F811
    _, text = verify(awarded[0].number)
    assert "Numéro inconnu" in text and "BERNARD" not in text


@pytest.mark.parametrize("path", ["/verifier/pas-un-numero/", "/verifier/?numero=CLEA-26-IDF-1"])
def test_a_malformed_number_gets_the_services_french_message(db, path):
    response = Client().get(path)
    assert response.status_code == 200
    assert "Numéro mal formé : il s'écrit par exemple CLEA-2026-IDF-000123." in unescape(
        response.content.decode()
    )


def test_an_address_is_limited_to_20_lookups_in_10_minutes(db):
    for _ in range(20):
        assert verify(f"CLEA-{TODAY.year}-IDF-999999")[0].status_code == 200

    response, text = verify(f"CLEA-{TODAY.year}-IDF-999999")

    assert response.status_code == 429
    assert "Trop de vérifications depuis votre adresse" in text and "Numéro inconnu" not in text
    assert verify(f"CLEA-{TODAY.year}-IDF-999999", address="203.0.113.9")[0].status_code == 200
