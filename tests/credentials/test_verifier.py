"""/verifier/ accepts a credential (.jwt, .json, pasted) or a PDF and says in French what holds; nothing is
"valid" unless the signature, the issuer, the dates and the status all hold."""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
from html import unescape

import pytest
from django.core.cache import cache
from joserfc import jws
from joserfc.jwk import OKPKey

from casefiles.credentials import keys
from casefiles.models import StatusList
from casefiles.services import revoke_certificate
from casefiles.tasks import publish_status_lists

from .conftest import read_jwt

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_rate_limits():
    cache.clear()
    yield
    cache.clear()


def verdict(client, *, text: str | None = None, upload: bytes | None = None, name: str = "attestation.jwt"):
    data: dict = {}
    if text is not None:
        data["attestation"] = text
    if upload is not None:
        handle = io.BytesIO(upload)
        handle.name = name
        data["fichier"] = handle
    response = client.post("/verifier/", data)
    assert response.status_code == 200
    page = unescape(response.content.decode())
    return page[page.index('id="verdict"') :]


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_a_credential_of_ours_is_valid_uploaded_pasted_or_enveloped(certificate, client):
    token = certificate.credential.jwt
    for page in (
        verdict(client, upload=token.encode()),
        verdict(client, text=token),
        verdict(client, upload=client.get(holder_json_url(certificate)).content, name="attestation.json"),
    ):
        assert "Attestation valide" in page
        assert "Signature valide" in page and "Non révoqué" in page
        assert f"Émise par Certif'Pro : Certification CléA, certificat n° {certificate.number}" in page


def holder_json_url(certificate) -> str:
    from casefiles.credentials.holder import holder_url

    return holder_url(certificate).split("8000", 1)[-1].split("testserver", 1)[-1] + "attestation.json"


def test_a_revoked_certificates_credential_is_not_valid(certificate, supervisor, client):
    revoke_certificate(certificate, reason="Fraude", actor=supervisor)
    publish_status_lists()
    page = verdict(client, text=certificate.credential.jwt)
    assert "Non valide" in page and "Certificat retiré (révoqué)" in page and "Attestation valide" not in page


def test_a_modified_credential_is_not_valid(certificate, client):
    header, _, signature = certificate.credential.jwt.split(".")
    _, claims = read_jwt(certificate.credential.jwt)
    claims["credentialSubject"]["achievement"]["name"] = "CléA Management"
    page = verdict(client, text=f"{header}.{b64(claims)}.{signature}")
    assert "Non valide" in page and "Signature invalide" in page


def test_a_credential_signed_by_another_key_under_our_name_is_not_valid(certificate, client):
    _, claims = read_jwt(certificate.credential.jwt)
    forger = OKPKey.generate_key("Ed25519")
    header = {"alg": "EdDSA", "kid": keys.signing_key().kid, "typ": "vc+jwt"}
    token = jws.serialize_compact(header, json.dumps(claims).encode(), forger, registry=keys.REGISTRY)
    page = verdict(client, text=token)
    assert "Non valide" in page and "Signature invalide" in page


def test_alg_none_and_hmac_are_refused_before_anything(certificate, client):
    _, claims = read_jwt(certificate.credential.jwt)
    for alg in ("none", "HS256"):
        token = f"{b64({'alg': alg, 'kid': keys.signing_key().kid})}.{b64(claims)}."
        page = verdict(client, text=token)
        assert "Non valide" in page and f"Algorithme de signature refusé (« {alg} »)" in page


def test_a_credential_of_another_issuer_is_not_ours(certificate, client):
    _, claims = read_jwt(certificate.credential.jwt)
    other = OKPKey.generate_key("Ed25519")
    header = {"alg": "EdDSA", "kid": "did:web:diplomes.example.org#cle-1", "typ": "vc+jwt"}
    token = jws.serialize_compact(header, json.dumps(claims).encode(), other, registry=keys.REGISTRY)
    page = verdict(client, text=token)
    assert "Non valide" in page and "autre émetteur que Certif'Pro (did:web:diplomes.example.org)" in page


def test_an_expired_or_not_yet_valid_credential_is_not_valid(certificate, client):
    _, claims = read_jwt(certificate.credential.jwt)
    claims["validUntil"] = "2020-01-01T00:00:00Z"
    token, _ = keys.sign(claims, typ="vc+jwt")  # even signed by us
    assert "L'attestation a expiré le 1 janvier 2020" in verdict(client, text=token)
    claims.pop("validUntil")
    claims["validFrom"] = (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    token, _ = keys.sign(claims, typ="vc+jwt")
    page = verdict(client, text=token)
    assert "Non valide" in page and "n'est valide qu'à partir du" in page


def test_a_claimed_issuer_that_is_not_certifpro_is_not_valid(certificate, client):
    _, claims = read_jwt(certificate.credential.jwt)
    claims["issuer"]["id"] = "did:web:ailleurs.example"
    token, _ = keys.sign(claims, typ="vc+jwt")
    assert "L'émetteur déclaré dans l'attestation n'est pas Certif'Pro" in verdict(client, text=token)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"bonjour", "ni une attestation signée"),
        (b"\xff\xfe\x00garbage", "ni un PDF ni une attestation"),
        (b"a.b.c", "n'est pas un jeton signé"),
        (b'{"id": "data:application/vc+jwt,x.y.z"}', "n'est pas un jeton signé"),
        (b"x" * 70_000, "trop volumineux pour être une attestation"),
        (b"%PDF-1.7\n" + b"0" * (11 * 1024 * 1024), "Fichier trop volumineux"),
    ],
)
def test_bad_uploads_get_a_french_verdict_never_valid(db, client, content, message):
    page = verdict(client, upload=content)
    assert "Non valide" in page and message in page


def test_nothing_given_asks_for_a_file(db, client):
    page = verdict(client, text="")
    assert "Choisissez un fichier" in page


def test_the_verification_is_rate_limited_per_address(certificate, client):
    for _ in range(20):
        client.post("/verifier/", {"attestation": "x"})
    response = client.post("/verifier/", {"attestation": certificate.credential.jwt})
    assert response.status_code == 429 and "Trop de vérifications" in response.content.decode()


def test_the_public_page_has_link_previews_without_personal_data(certificate, client):
    page = unescape(client.get(f"/verifier/{certificate.number}/").content.decode())
    assert '<meta property="og:title" content="Certificat Certification CléA vérifié — Certif\'Pro">' in page
    previews = "".join(line for line in page.splitlines() if 'property="og:' in line)
    assert "Certif'Pro le" in previews
    assert certificate.holder_last_name not in previews and certificate.holder_first_name not in previews


def signed_pdf(certificate) -> bytes:
    from casefiles.models import Certificate

    with Certificate.objects.get(pk=certificate.pk).pdf.open("rb") as handle:
        return handle.read()


def test_a_certificates_signed_pdf_is_authentic_and_says_its_status(certificate, supervisor, client):
    data = signed_pdf(certificate)
    page = verdict(client, upload=data, name="certificat.pdf")
    assert "Document authentique" in page and f"Certificat n° {certificate.number} en vigueur" in page
    revoke_certificate(certificate, reason="Fraude", actor=supervisor)
    page = verdict(client, upload=data, name="certificat.pdf")
    assert "Non valide" in page and "retiré (révoqué)" in page


def test_a_pdf_changed_by_one_byte_is_not_authentic(certificate, client):
    data = bytearray(signed_pdf(certificate))
    position = data.index(b"/Producer") if b"/Producer" in data else len(data) // 3
    data[position + 2] ^= 0x01
    page = verdict(client, upload=bytes(data), name="certificat.pdf")
    assert "Non valide" in page and "Document authentique" not in page


def test_a_signed_status_list_is_not_a_valid_credential(certificate, client):
    status_list = client.get("/statuts/clea/1/").content.decode()
    page = verdict(client, text=status_list)
    assert "Non valide" in page and "n'est pas une attestation de certificat" in page


@pytest.mark.parametrize(
    "text",
    [
        '{"a":' + "[" * 30_000 + "]" * 30_000 + "}",
        b64({"alg": ["EdDSA"], "kid": "x"}) + ".e30.sig",
        b64({"alg": "EdDSA", "kid": ["x"]}) + ".e30.sig",
        base64.urlsafe_b64encode(("[" * 5000 + "]" * 5000).encode()).decode().rstrip("=") + ".e30.sig",
        b64({"alg": "EdDSA", "kid": "x", "typ": "JWE"}) + ".e30.sig",
    ],
)
def test_tricky_inputs_get_a_french_verdict_never_a_crash(db, client, text):
    page = verdict(client, text=text)
    assert "Non valide" in page


def test_a_stale_list_that_cannot_be_republished_reads_the_register(
    certificate, supervisor, client, settings
):
    publish_status_lists()  # published once, before the revocation
    assert StatusList.objects.get().jwt
    revoke_certificate(certificate, reason="Fraude", actor=supervisor)
    public_first = settings.BASE_DIR / "var" / "test-keys" / "public-only.jwk"
    key = json.loads((settings.BASE_DIR / settings.CREDENTIAL_KEY_PATHS[0]).read_text())
    public_first.write_text(json.dumps({k: v for k, v in key.items() if k != "d"}))
    settings.CREDENTIAL_KEY_PATHS = [str(public_first), *settings.CREDENTIAL_KEY_PATHS]
    page = verdict(client, text=certificate.credential.jwt)
    assert "Non valide" in page and "Certificat retiré (révoqué)" in page
    response = client.get("/statuts/clea/1/")
    assert response.status_code == 503
    assert response["Retry-After"] == "60"


def test_a_pdf_of_ours_stays_authentic_after_the_seal_certificate_is_renewed(
    certificate, client, settings, tmp_path
):
    from tests.signing.helpers import issued_pkcs12

    data = signed_pdf(certificate)
    settings.SIGNING_PKCS12_PATH, settings.SIGNING_PKCS12_PASSWORD = str(issued_pkcs12(tmp_path, "x")), "x"
    page = verdict(client, upload=data, name="certificat.pdf")
    assert "Document authentique" in page and "en vigueur" in page
