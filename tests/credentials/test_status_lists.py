"""The revocation status lists: public, signed, at least 131,072 entries, GZIP + base64url multibase; a
revocation flips the certificate's bit once the worker has republished, a reinstatement flips it back."""

from __future__ import annotations

import base64
import gzip

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from backoffice.core.audit.models import AuditEvent
from casefiles.credentials import statuslist
from casefiles.events import CertificateEvent
from casefiles.models import Certificate, CertificateStatus, StatusList
from casefiles.services import reinstate_certificate, revoke_certificate
from casefiles.tasks import publish_status_lists

from .conftest import read_jwt

pytestmark = pytest.mark.django_db


def published_bit(client, credential) -> bool:
    response = client.get("/statuts/clea/1/")
    assert response.status_code == 200 and response["Content-Type"] == "application/vc+jwt"
    _, payload = read_jwt(response.content.decode())
    assert payload["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    subject = payload["credentialSubject"]
    assert subject["statusPurpose"] == "revocation" and subject["type"] == "BitstringStatusList"
    encoded = subject["encodedList"]
    assert encoded.startswith("u") and "=" not in encoded
    bits = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    assert len(bits) * 8 >= 131_072
    index = credential.status_index
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def test_revoking_flips_the_bit_once_republished_and_reinstating_flips_it_back(issued, supervisor, client):
    certificate, other = issued[0], issued[1]
    assert published_bit(client, certificate.credential) is False
    revoke_certificate(certificate, reason="Fraude avérée", actor=supervisor)
    assert StatusList.objects.get().stale is True
    publish_status_lists()  # the worker's job, sent after the commit
    assert StatusList.objects.get().stale is False
    assert published_bit(client, certificate.credential) is True
    assert published_bit(client, other.credential) is False
    reinstate_certificate(certificate, reason="Retrait fait par erreur (homonyme)", actor=supervisor)
    publish_status_lists()
    assert published_bit(client, certificate.credential) is False
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.ISSUED and certificate.revoked_at is None
    event = AuditEvent.objects.get(verb=CertificateEvent.REINSTATED)
    assert "homonyme" in event.summary and event.actor_id == supervisor.pk


def test_a_stale_list_is_published_before_it_is_served(issued, supervisor, client):
    revoke_certificate(issued[0], reason="Fraude", actor=supervisor)  # the worker has not run
    assert published_bit(client, issued[0].credential) is True


def test_a_republished_list_without_change_is_the_same_list():
    assert statuslist.encode(131_072, [5, 70_000]) == statuslist.encode(131_072, [70_000, 5])
    bits = statuslist.decode(statuslist.encode(131_072, [5, 70_000]))
    assert [i for i in range(131_072) if statuslist.bit(bits, i)] == [5, 70_000]


@pytest.mark.parametrize(
    "encoded", ["", "zabc", "u!!!", "u" + base64.urlsafe_b64encode(b"not gzip").decode()]
)
def test_an_unreadable_list_is_refused_in_french(encoded):
    with pytest.raises(statuslist.StatusListError, match="liste de statuts"):
        statuslist.decode(encoded)


def test_only_a_supervisor_reinstates_with_a_reason_a_revoked_certificate(issued, supervisor, officer):
    certificate = issued[0]
    with pytest.raises(ValidationError, match="Seul un certificat retiré"):
        reinstate_certificate(certificate, reason="Erreur", actor=supervisor)
    revoke_certificate(certificate, reason="Fraude", actor=supervisor)
    with pytest.raises(PermissionDenied):
        reinstate_certificate(certificate, reason="Erreur", actor=officer)
    with pytest.raises(ValidationError, match="motif"):
        reinstate_certificate(certificate, reason="  ", actor=supervisor)
    assert Certificate.objects.get(pk=certificate.pk).status == CertificateStatus.REVOKED


def test_the_reinstate_button_is_a_supervisors_and_works(issued, supervisor, officer, client):
    certificate = issued[0]
    revoke_certificate(certificate, reason="Fraude", actor=supervisor)
    client.force_login(officer)
    page = client.get(f"/certificats/{certificate.pk}/").content.decode()
    assert 'id="reinstate"' not in page
    assert client.post(f"/certificats/{certificate.pk}/retablir/", {"reason": "Erreur"}).status_code in (
        302,
        403,
    )
    assert Certificate.objects.get(pk=certificate.pk).status == CertificateStatus.REVOKED
    client.force_login(supervisor)
    assert 'id="reinstate"' in client.get(f"/certificats/{certificate.pk}/").content.decode()
    client.post(f"/certificats/{certificate.pk}/retablir/", {"reason": "Erreur de saisie"})
    assert Certificate.objects.get(pk=certificate.pk).status == CertificateStatus.ISSUED


def test_an_unknown_list_is_not_found(db, client):
    assert client.get("/statuts/clea/9/").status_code == 404
