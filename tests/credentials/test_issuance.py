"""The Open Badges 3.0 credential of each certificate: issued once with it, signed, naming the holder only by
a salted hash; the DID document publishes the keys; the catch-up issues those that have none."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.test import override_settings

from backoffice.core.audit.models import AuditEvent
from casefiles.credentials import keys
from casefiles.events import CertificateEvent
from casefiles.models import Certificate, Credential, StatusList
from casefiles.services import issue_certificate
from casefiles.services.credentials import allocate_entries, issue_credentials, issue_missing_credentials

from .conftest import published_keys, read_jwt

pytestmark = pytest.mark.django_db


def test_each_issued_certificate_has_one_signed_credential(issued):
    credentials = Credential.objects.filter(certificate__in=issued)
    assert credentials.count() == 2
    for credential in credentials:
        header, payload = read_jwt(credential.jwt)
        certificate = credential.certificate
        assert header["alg"] == "EdDSA" and header["typ"] == "vc+jwt"
        assert header["kid"] == credential.key_id == keys.signing_key().kid
        assert payload["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
        assert payload["@context"][0] == "https://www.w3.org/ns/credentials/v2"
        assert payload["id"] == f"urn:uuid:{credential.uuid}"
        assert payload["issuer"]["id"] == keys.issuer_did() and payload["issuer"]["name"] == "Certif'Pro"
        midnight = dt.datetime.combine(certificate.awarded_on, dt.time(), tzinfo=ZoneInfo("Europe/Paris"))
        assert payload["validFrom"] == midnight.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        # The registered claims of Open Badges 3.0's VC-JWT proof, equal to the credential's own.
        assert payload["iss"] == payload["issuer"]["id"] and payload["jti"] == payload["id"]
        assert payload["nbf"] == int(midnight.timestamp())
        achievement = payload["credentialSubject"]["achievement"]
        assert achievement["name"] == "Certification CléA" and achievement["version"] == "2018"
        assert "D1 La communication en français" in achievement["criteria"]["narrative"]
        status = payload["credentialStatus"]
        assert status["type"] == "BitstringStatusListEntry" and status["statusPurpose"] == "revocation"
        assert status["statusListIndex"] == str(credential.status_index)
        assert status["statusListCredential"].endswith("/statuts/clea/1/")


def test_the_holder_is_named_by_a_salted_hash_of_their_email_never_in_clear(awarded):
    candidate = awarded[0].case_file.candidate
    candidate.email = "Ines.Bernard@Example.fr"
    candidate.save(update_fields=["email"])
    issue_certificate(awarded[0].pk)
    credential = Credential.objects.get(certificate=awarded[0])
    _, payload = read_jwt(credential.jwt)
    identifier = payload["credentialSubject"]["identifier"][0]
    assert identifier["identityType"] == "emailAddress" and identifier["hashed"] is True
    expected = hashlib.sha256(("ines.bernard@example.fr" + identifier["salt"]).encode()).hexdigest()
    assert identifier["identityHash"] == f"sha256${expected}"
    text = credential.jwt + str(payload)
    for private in (
        "bernard@",
        "Bernard@",
        candidate.birth_date.isoformat(),
        candidate.birth_date.strftime("%d/%m/%Y"),
    ):
        assert private not in text


def test_without_an_email_the_name_as_printed_is_hashed(certificate):
    _, payload = read_jwt(certificate.credential.jwt)
    identifier = payload["credentialSubject"]["identifier"][0]
    assert identifier["identityType"] == "name"
    expected = hashlib.sha256((certificate.holder + identifier["salt"]).encode()).hexdigest()
    assert identifier["identityHash"] == f"sha256${expected}"
    assert certificate.holder_last_name not in str(payload)


def test_issuing_again_changes_nothing(issued):
    before = list(Credential.objects.values_list("pk", "jwt"))
    events = AuditEvent.objects.filter(verb=CertificateEvent.CREDENTIAL_ISSUED).count()
    issue_certificate(issued[0].pk)  # a redelivered job
    assert issue_credentials([c.pk for c in issued]) == []
    assert list(Credential.objects.values_list("pk", "jwt")) == before
    assert AuditEvent.objects.filter(verb=CertificateEvent.CREDENTIAL_ISSUED).count() == events == 2


def test_the_did_document_publishes_the_current_and_the_earlier_key(db, client):
    response = client.get("/.well-known/did.json")
    assert response.status_code == 200 and response["Access-Control-Allow-Origin"] == "*"
    document = response.json()
    assert (
        document["id"]
        == keys.issuer_did()
        == "did:web:" + settings.PUBLIC_BASE_URL.split("//")[1].replace(":", "%3A").rstrip("/")
    )
    assert len(document["verificationMethod"]) == 2 == len(settings.CREDENTIAL_KEY_PATHS)
    assert document["assertionMethod"] == [method["id"] for method in document["verificationMethod"]]
    assert all("d" not in method["publicKeyJwk"] for method in document["verificationMethod"])
    assert set(published_keys()) == {key.kid for key in keys.credential_keys()}


def test_a_credential_signed_by_an_earlier_key_still_verifies(awarded):
    with override_settings(CREDENTIAL_KEY_PATHS=list(reversed(settings.CREDENTIAL_KEY_PATHS))):
        issue_certificate(awarded[0].pk)
        old_kid = keys.signing_key().kid
    credential = Credential.objects.get(certificate=awarded[0])
    assert credential.key_id == old_kid != keys.signing_key().kid
    header, payload = read_jwt(credential.jwt)
    assert header["kid"] == old_kid and payload["id"] == f"urn:uuid:{credential.uuid}"


def test_without_a_key_no_credential_then_the_catch_up_issues_it(awarded):
    with override_settings(CREDENTIAL_KEY_PATHS=[]):
        issue_certificate(awarded[0].pk)
        assert issue_missing_credentials() == 0
    assert not Credential.objects.exists()
    assert Certificate.objects.get(pk=awarded[0].pk).status == "issued"
    assert issue_missing_credentials() == 1
    assert Credential.objects.get().certificate_id == awarded[0].pk


def test_entries_are_given_once_and_a_full_list_is_followed_by_the_next(clea):
    first = [index for _, index in allocate_entries(clea.pk, 500)]
    assert len(set(first)) == 500 and all(0 <= i < 131_072 for i in first)
    assert first != sorted(first)  # no order of issuance to read
    status_list = StatusList.objects.get(certification=clea)
    StatusList.objects.filter(pk=status_list.pk).update(allocated=131_070)
    entries = allocate_entries(clea.pk, 3)
    assert [s.number for s, _ in entries] == [1, 1, 2]
    second = StatusList.objects.get(certification=clea, number=2)
    assert second.allocated == 1 and StatusList.objects.get(pk=status_list.pk).allocated == 131_072


def test_a_broken_key_never_holds_a_certificate_back(awarded, tmp_path):
    broken = tmp_path / "broken.jwk"
    broken.write_text("{pas du json")
    with override_settings(CREDENTIAL_KEY_PATHS=[str(broken)]):
        issue_certificate(awarded[0].pk)
    assert Certificate.objects.get(pk=awarded[0].pk).status == "issued"
    assert not Credential.objects.exists()
    assert issue_missing_credentials() == 1  # the catch-up, once the keys are right


def test_the_catch_up_waits_for_a_migration_batch_to_be_declared_live(awarded, supervisor):
    from backoffice.core.legacy.models import BatchStatus, LegacyBatch

    with override_settings(CREDENTIAL_KEY_PATHS=[]):
        issue_certificate(awarded[0].pk)
    batch = LegacyBatch.objects.create(label="Reprise 2016-2025", created_by=supervisor)
    Certificate.objects.filter(pk=awarded[0].pk).update(legacy_batch=batch)
    assert issue_missing_credentials() == 0
    LegacyBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.LIVE)
    assert issue_missing_credentials() == 1


def test_deploy_checks_refuse_unreadable_or_public_first_keys(db, tmp_path):
    from casefiles.checks import credential_keys

    broken = tmp_path / "broken.jwk"
    broken.write_text("{")
    with override_settings(CREDENTIAL_KEY_PATHS=[str(broken)]):
        assert [m.id for m in credential_keys()] == ["casefiles.E001"]
    key = json.loads((settings.BASE_DIR / settings.CREDENTIAL_KEY_PATHS[0]).read_text())
    public = tmp_path / "public.jwk"
    public.write_text(json.dumps({k: v for k, v in key.items() if k != "d"}))
    with override_settings(CREDENTIAL_KEY_PATHS=[str(public)]):
        assert [m.id for m in credential_keys()] == ["casefiles.E002"]
    assert credential_keys() == []
