"""API keys: the organisation's evaluator staff create them (shown once, kept hashed) and revoke them; each
key acts through a service account that cannot sign in, named in the trail « via l'API, clé … »."""

from __future__ import annotations

import datetime as dt
import hashlib
from html import unescape

import pytest
from django.utils import timezone

from accreditation.scoping import scope_of
from accreditation.selectors import staff_of
from backoffice.api.models import ApiKey
from backoffice.api.services import create_api_key, note_use
from backoffice.core.accounts.roles import Role, has_role
from backoffice.core.audit.models import AuditEvent
from backoffice.notifications.rules import organisation_staff, organisations_staff
from tests.api.conftest import Api, candidate

pytestmark = pytest.mark.django_db


def test_an_evaluator_creates_a_key_shown_once_and_only_its_hash_is_kept(client_for, evaluator, idf_site):
    client = client_for(evaluator)

    response = client.post("/cles-api/creer/", {"name": "Logiciel RH", "scope": "write"})

    key = ApiKey.objects.get()
    page = unescape(response.content.decode())
    text = page.split('id="key-value" type="text" readonly value="')[1].split('"')[0]
    assert response.status_code == 200 and text.startswith(f"clea_{key.prefix}_")
    assert "Copiez-la maintenant" in page
    secret = text.split("_", 2)[2]
    assert key.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(list(ApiKey.objects.values())) + str(list(AuditEvent.objects.values()))
    listed = unescape(client.get("/cles-api/").content.decode())
    assert f"clea_{key.prefix}_…" in listed and secret not in listed and "Lecture et écriture" in listed
    assert AuditEvent.objects.filter(verb="api.key_created", actor=evaluator).count() == 1


def test_the_creation_form_sent_again_creates_no_second_key(client_for, evaluator, idf_site):
    client = client_for(evaluator)
    form = unescape(client.get("/cles-api/").content.decode())
    nonce = form.split('name="nonce" value="')[1].split('"')[0]

    first = client.post("/cles-api/creer/", {"name": "Logiciel RH", "scope": "write", "nonce": nonce})
    reloaded = client.post(
        "/cles-api/creer/", {"name": "Logiciel RH", "scope": "write", "nonce": nonce}, follow=True
    )

    assert first.status_code == 200 and ApiKey.objects.count() == 1
    page = unescape(reloaded.content.decode())
    assert "Ce formulaire a déjà créé la clé « Logiciel RH »" in page and 'id="key-value"' not in page
    fresh = unescape(client.get("/cles-api/").content.decode()).split('name="nonce" value="')[1].split('"')[0]
    assert fresh != nonce
    client.post("/cles-api/creer/", {"name": "Autre", "scope": "read", "nonce": fresh})
    assert ApiKey.objects.count() == 2


def test_the_key_acts_through_a_service_account_that_cannot_sign_in(evaluator, idf_site):
    key, _ = create_api_key(idf_site.organisation, name="Logiciel RH", scope="read", actor=evaluator)

    account = key.service_user
    assert not account.has_usable_password() and account.is_active
    assert (
        has_role(account, Role.EVALUATOR_STAFF)
        and scope_of(account).organisation_id == idf_site.organisation_id
    )
    assert str(account) == "API — Logiciel RH"
    assert account.get_username() == f"via l'API, clé « Logiciel RH » ({key.prefix})"
    assert not account.check_password("") and not account.check_password(key.prefix)


def test_revoking_a_key_disables_its_account_and_refuses_its_next_call(client_for, evaluator, idf_site):
    key, text = create_api_key(idf_site.organisation, name="Logiciel RH", scope="write", actor=evaluator)
    assert Api(text).get("/api/v1/dossiers/").status_code == 200

    response = client_for(evaluator).post(f"/cles-api/{key.pk}/revoquer/", follow=True)

    key.refresh_from_db()
    assert key.revoked_at is not None and not key.service_user.is_active
    assert "est révoquée" in unescape(response.content.decode())
    refused = Api(text).get("/api/v1/dossiers/")
    assert refused.status_code == 401 and "révoquée" in refused.json()["detail"]
    assert AuditEvent.objects.filter(verb="api.key_revoked", actor=evaluator).count() == 1


def test_an_evaluator_of_another_organisation_cannot_revoke_the_key(
    client_for, evaluator, idf_site, evaluator_of_other_organisation
):
    key, _ = create_api_key(idf_site.organisation, name="Logiciel RH", scope="write", actor=evaluator)

    response = client_for(evaluator_of_other_organisation).post(f"/cles-api/{key.pk}/revoquer/")

    assert response.status_code == 404
    assert ApiKey.objects.get().revoked_at is None


def test_case_officers_and_trainers_do_not_manage_keys(client_for, officer, trainer):
    assert client_for(officer).get("/cles-api/").status_code == 403
    assert client_for(trainer).get("/cles-api/").status_code == 403


def test_an_unnamed_key_is_refused_and_nothing_is_created(client_for, evaluator, idf_site):
    response = client_for(evaluator).post("/cles-api/creer/", {"name": "  ", "scope": "write"}, follow=True)

    assert "Nommez la clé" in unescape(response.content.decode())
    assert not ApiKey.objects.exists()


def test_acts_made_with_a_key_name_it_in_the_audit_trail(writer, idf_site):
    writer.post("/api/v1/dossiers/", candidate(idf_site.siret))

    opened = AuditEvent.objects.get(verb="casefile.opened")
    key = ApiKey.objects.get(name="Logiciel de gestion")
    assert opened.actor == key.service_user
    assert opened.actor_label == f"via l'API, clé « Logiciel de gestion » ({key.prefix})"


def test_the_last_use_is_written_at_most_once_a_minute(keys, django_assert_num_queries):
    key = ApiKey.objects.get(name="Logiciel de gestion")
    assert key.last_used_at is None
    Api(keys["write"]).get("/api/v1/dossiers/")
    key.refresh_from_db()
    first = key.last_used_at
    assert first is not None

    Api(keys["write"]).get("/api/v1/dossiers/")
    key.refresh_from_db()
    assert key.last_used_at == first
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now() - dt.timedelta(minutes=2))
    key.refresh_from_db()
    with django_assert_num_queries(1):
        note_use(key)
    key.refresh_from_db()
    assert timezone.now() - key.last_used_at < dt.timedelta(seconds=5)


def test_the_service_account_is_offered_nowhere_as_a_person(evaluator, idf_site):
    create_api_key(idf_site.organisation, name="Logiciel RH", scope="write", actor=evaluator)

    assert list(staff_of(idf_site, Role.EVALUATOR_STAFF)) == [evaluator]
    assert list(organisation_staff(idf_site.organisation_id)) == [evaluator]
    assert organisations_staff({idf_site.organisation_id}) == {idf_site.organisation_id: [evaluator]}
