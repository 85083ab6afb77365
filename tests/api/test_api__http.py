"""What a client may rely on: Idempotency-Key (a retry returns the first answer, never a second file), ETags
on reads, a rate limit per key."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from backoffice.api.models import IdempotentRequest
from backoffice.api.services import purge_idempotent_requests
from backoffice.core.audit.models import AuditEvent
from casefiles.models import CaseFile
from casefiles.services.privacy import export_personal_data
from tests.api.conftest import at, candidate

pytestmark = pytest.mark.django_db


def test_a_retried_post_with_the_same_idempotency_key_returns_the_first_answer(writer, idf_site):
    first = writer.post("/api/v1/dossiers/", candidate(idf_site.siret), **{"Idempotency-Key": "essai-1"})
    retried = writer.post("/api/v1/dossiers/", candidate(idf_site.siret), **{"Idempotency-Key": "essai-1"})

    assert first.status_code == retried.status_code == 201
    assert retried["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert retried.json() == first.json() and retried["Location"] == first["Location"]
    assert CaseFile.objects.count() == 1


def test_the_same_idempotency_key_with_another_body_is_a_409_and_writes_nothing(writer, idf_site):
    writer.post("/api/v1/dossiers/", candidate(idf_site.siret), **{"Idempotency-Key": "essai-1"})

    other = writer.post(
        "/api/v1/dossiers/", candidate(idf_site.siret, "DOS-2", nom="Autre"), **{"Idempotency-Key": "essai-1"}
    )

    assert other.status_code == 409 and other["Content-Type"] == "application/problem+json"
    assert "a déjà servi" in other.json()["detail"]
    assert list(CaseFile.objects.values_list("reference", flat=True)) == ["DOS-1"]


def test_a_refused_request_keeps_no_answer_and_may_be_corrected_under_the_same_key(writer, idf_site):
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    refused = writer.post(
        "/api/v1/dossiers/", candidate(idf_site.siret, date_accueil=tomorrow), **{"Idempotency-Key": "k"}
    )
    assert refused.status_code == 400 and not IdempotentRequest.objects.exists()

    corrected = writer.post("/api/v1/dossiers/", candidate(idf_site.siret), **{"Idempotency-Key": "k"})

    assert corrected.status_code == 201


def test_answers_are_kept_24_hours(writer, idf_site):
    writer.post("/api/v1/dossiers/", candidate(idf_site.siret), **{"Idempotency-Key": "essai-1"})

    assert purge_idempotent_requests(now=timezone.now() + dt.timedelta(hours=23)) == 0
    assert purge_idempotent_requests(now=timezone.now() + dt.timedelta(hours=25)) == 1


def test_reads_carry_a_strong_etag_and_an_unchanged_resource_answers_304(reader, writer, idf_site):
    writer.post("/api/v1/dossiers/", candidate(idf_site.siret))
    first = reader.get(at("DOS-1"))
    etag = first["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")

    unchanged = reader.get(at("DOS-1"), **{"If-None-Match": etag})
    writer.patch(at("DOS-1", "contact/"), {"email": "nouvelle@example.org"})
    changed = reader.get(at("DOS-1"), **{"If-None-Match": etag})

    assert unchanged.status_code == 304 and unchanged.content == b"" and unchanged["ETag"] == etag
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_beyond_the_rate_limit_a_key_gets_429_with_retry_after(reader, writer, settings):
    settings.API_RATE_LIMIT = 3
    with time_machine.travel(timezone.now().replace(second=15), tick=False):  # all in one calendar minute
        answers = [reader.get("/api/v1/dossiers/").status_code for _ in range(4)]
        refused = reader.get("/api/v1/dossiers/")

    assert answers == [200, 200, 200, 429] and refused.status_code == 429
    assert refused["Retry-After"] == "45"
    assert refused.json()["title"] == "Trop de requêtes"
    assert writer.get("/api/v1/dossiers/").status_code == 200  # another key, its own allowance


def test_a_read_is_a_consultation_that_moves_neither_modifie_le_nor_the_etag(
    reader, writer, idf_site, evaluator
):

    writer.post("/api/v1/dossiers/", candidate(idf_site.siret))
    case_file = CaseFile.objects.get()
    first = reader.get(at("DOS-1"))
    reader.get(at("DOS-1", "grille/"))
    export_personal_data(case_file.candidate, actor=None, file_format="json")  # the system
    again = reader.get(at("DOS-1"), **{"If-None-Match": first["ETag"]})

    assert again.status_code == 304
    viewed = AuditEvent.objects.for_subject(case_file).filter(verb="casefile.viewed")
    assert [event.actor.username for event in viewed] == [reader_account(reader)]  # once a day per key
    listed = reader.get("/api/v1/dossiers/").json()["resultats"][0]
    assert listed["modifie_le"] == first.json()["modifie_le"]


def reader_account(reader) -> str:  # type: ignore[no-untyped-def]
    from backoffice.api.models import ApiKey

    return ApiKey.objects.get(scope="read").service_user.username


def test_an_address_whose_keys_are_refused_too_often_gets_429_before_any_lookup(writer, settings):
    settings.API_REFUSED_KEYS_LIMIT = 3
    from tests.api.conftest import Api

    moment = timezone.now().replace(second=20)
    with time_machine.travel(moment, tick=False):
        answers = [Api("clea_inconnu_secret").get("/api/v1/dossiers/").status_code for _ in range(4)]
        blocked = Api(writer.headers["Authorization"].split()[1]).get("/api/v1/dossiers/")

    assert answers == [401, 401, 401, 429]
    assert blocked.status_code == 429 and blocked["Retry-After"] == "40"  # a good key too, from there
    assert blocked.json()["detail"] == "Trop de clés refusées depuis votre adresse : réessayez dans 40 s."
    with time_machine.travel(moment + dt.timedelta(minutes=1), tick=False):
        assert writer.get("/api/v1/dossiers/").status_code == 200  # the next minute


def test_a_revoked_key_retried_does_not_block_its_address(writer, revoked, settings):
    settings.API_REFUSED_KEYS_LIMIT = 3

    answers = [revoked.get("/api/v1/dossiers/").status_code for _ in range(5)]

    assert answers == [401] * 5
    assert writer.get("/api/v1/dossiers/").status_code == 200


def test_deploy_check_warns_when_rate_limits_count_per_process(settings):
    from backoffice.api.checks import shared_rate_limits

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert [warning.id for warning in shared_rate_limits()] == ["api.W001"]
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://x:6379/1"}
    }
    assert shared_rate_limits() == []
