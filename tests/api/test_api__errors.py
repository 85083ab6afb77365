"""Every refusal is an RFC 9457 problem in French, and nothing is written: malformed JSON, wrong types,
unknown fields, an oversized body, a wrong method."""

from __future__ import annotations

import json

import pytest

from backoffice.core.audit.models import AuditEvent
from casefiles.models import Candidate, CaseFile
from tests.api.conftest import candidate

pytestmark = pytest.mark.django_db


def _is_problem(response, status: int) -> dict:
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert set(body) >= {"type", "title", "status", "detail", "instance"}
    assert body["status"] == status and body["type"].startswith("urn:clea:api:probleme:")
    return body


def _nothing_written(events: int) -> None:
    assert not CaseFile.objects.exists() and not Candidate.objects.exists()
    assert AuditEvent.objects.count() == events


def test_malformed_json_is_a_problem(writer, keys):
    events = AuditEvent.objects.count()

    body = _is_problem(writer.post("/api/v1/dossiers/", raw=b'{"reference": "DOS-1",'), 400)

    assert body["detail"] == "Le corps de la requête n'est pas du JSON valide."
    _nothing_written(events)


def test_wrong_types_and_unknown_fields_are_named(writer, idf_site, keys):
    events = AuditEvent.objects.count()
    sent = candidate(idf_site.siret, nom=12, date_naissance="02/04/1999", couleur="bleu")

    body = _is_problem(writer.post("/api/v1/dossiers/", sent), 400)

    assert body["errors"] == [{"champ": "couleur", "message": "Champ inconnu."}]
    del sent["couleur"]
    body = _is_problem(writer.post("/api/v1/dossiers/", sent), 400)
    assert {e["champ"] for e in body["errors"]} == {"nom", "date_naissance"}
    assert {"champ": "nom", "message": "Une chaîne de caractères est attendue."} in body["errors"]
    _nothing_written(events)


def test_a_body_that_is_not_an_object_is_refused(writer, keys):
    assert _is_problem(writer.post("/api/v1/dossiers/", [1, 2]), 400)["errors"]
    assert _is_problem(writer.post("/api/v1/dossiers/lot/", {"elements": []}), 400)["errors"]


def test_a_body_over_10_mb_is_refused_before_it_is_read(writer, keys):
    events = AuditEvent.objects.count()
    huge = b'{"reference": "' + b"x" * (10 * 1024 * 1024) + b'"}'

    body = _is_problem(writer.post("/api/v1/dossiers/", raw=huge), 413)

    assert "la limite est de 10,0" in body["detail"]
    _nothing_written(events)


def test_a_wrong_method_or_media_type_is_a_problem(writer, keys):
    assert _is_problem(writer.client.delete("/api/v1/dossiers/", headers=writer.headers), 405)
    form = writer.client.post("/api/v1/dossiers/", {"reference": "x"}, headers=writer.headers)
    assert _is_problem(form, 415)["detail"].startswith("Envoyez un corps JSON")


def test_a_lot_over_1000_items_is_refused_whole(writer, idf_site, keys):
    items = [candidate(idf_site.siret, f"DOS-{n}") for n in range(1001)]

    body = _is_problem(writer.post("/api/v1/dossiers/lot/", {"elements": items}), 400)

    assert body["errors"][0]["champ"] == "elements"
    assert not CaseFile.objects.exists()


def test_the_api_reads_bodies_up_to_its_own_limit_the_site_keeps_djangos(writer, idf_site, client):
    padded = b" " * (3 * 1024 * 1024) + json.dumps(candidate(idf_site.siret)).encode()

    assert writer.post("/api/v1/dossiers/", raw=padded).status_code == 201
    site = client.post("/accounts/login/", b"a=" + padded, content_type="application/x-www-form-urlencoded")
    assert site.status_code == 400  # Django's DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) outside the API


@pytest.mark.parametrize(
    "raw",
    [
        b'{"elements": [{"reference": "R", "resultats": {"X\\u0000": true}}]}',
        b'{"reference": "a\\u0000b"}',
        b"[" * 50_000 + b"]" * 50_000,
        b'{"a": ' * 60 + b"1" + b"}" * 60,
    ],
    ids=["nul-in-a-key", "nul-in-a-value", "deep-array", "deep-object"],
)
def test_what_no_text_column_or_parser_holds_is_a_400_never_a_500(writer, keys, raw):
    events = AuditEvent.objects.count()

    for path in ("/api/v1/dossiers/", "/api/v1/evaluations/lot/"):
        body = _is_problem(writer.post(path, raw=raw, **{"Idempotency-Key": "k-" + path}), 400)
        assert "nul" in body["detail"] or "imbriqué" in body["detail"]
    _nothing_written(events)


def test_a_forged_cursor_is_a_404(reader, keys):
    for path in ("/api/v1/dossiers/", "/api/v1/certificats/"):
        response = reader.get(path + "?curseur=cj0xJnA9eA%3D%3D")  # position « x »
        assert _is_problem(response, 404)["detail"] == "Curseur non valide"


def test_a_lot_items_errors_are_named_by_their_rank(writer, idf_site, keys):
    items = [candidate(idf_site.siret), {**candidate(idf_site.siret, "DOS-2"), "inconnu": "x"}]

    body = _is_problem(writer.post("/api/v1/dossiers/lot/", {"elements": items}), 400)

    assert body["errors"] == [{"champ": "elements[1].inconnu", "message": "Champ inconnu."}]
