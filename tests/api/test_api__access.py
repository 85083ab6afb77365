"""Every route of the API against every kind of caller: a write key and a read key of the organisation, a key
of another organisation (404 on an object, an empty list otherwise), a revoked key and no key (401)."""

from __future__ import annotations

import pytest

from backoffice.api.models import BulkSubmission
from casefiles.models import CaseFile
from tests.api.conftest import candidate, positioning

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(writer, idf_site, assessor, settings):
    """A file DOS-1 and a lot of the organisation (sent through the worker)."""
    writer.post("/api/v1/dossiers/", candidate(idf_site.siret))
    settings.API_SYNC_MAX = 0
    writer.post("/api/v1/dossiers/lot/", {"elements": [candidate(idf_site.siret, "DOS-2", nom="Deux")]})
    settings.API_SYNC_MAX = 100
    return {
        "lot": BulkSubmission.objects.get().pk,
        "file": CaseFile.objects.get(reference="DOS-1").pk,
        "siret": idf_site.siret,
        "assessor": assessor.email,
    }


def routes(world: dict) -> list[tuple[str, str, object]]:
    """(method, path, body) of every route, each with a body its write key gets through."""
    file = f"/api/v1/dossiers/{world['file']}/"
    item = {"reference": "DOS-1", "siret_evaluateur": world["siret"], **positioning(world["assessor"])}
    return [
        ("get", "/api/v1/dossiers/", None),
        ("post", "/api/v1/dossiers/", candidate(world["siret"], "DOS-3", nom="Trois")),
        ("get", file, None),
        ("patch", file + "contact/", {"telephone": "0611223344"}),
        ("get", file + "grille/", None),
        ("post", file + "evaluations/", positioning(world["assessor"])),
        ("post", "/api/v1/dossiers/lot/", {"elements": [candidate(world["siret"], "DOS-4", nom="Quatre")]}),
        ("post", "/api/v1/evaluations/lot/", {"elements": [item]}),
        ("get", f"/api/v1/lots/{world['lot']}/", None),
        ("get", "/api/v1/certificats/", None),
    ]


def call(api, method: str, path: str, body: object):  # type: ignore[no-untyped-def]
    return api.get(path) if method == "get" else getattr(api, method)(path, body)


def test_the_schema_lists_exactly_these_routes(client, world):
    paths = client.get("/api/schema/?format=json").json()["paths"]
    listed = {(method, path) for path, operations in paths.items() for method in operations}
    tested = {
        (
            method,
            path.replace(f"/dossiers/{world['file']}/", "/dossiers/{id}/").replace(
                f"/lots/{world['lot']}/", "/lots/{lot_id}/"
            ),
        )
        for method, path, _ in routes(world)
    }
    assert listed == tested


@pytest.mark.parametrize("who", ["anonymous", "revoked"])
def test_without_a_valid_key_every_route_is_401_and_nothing_is_written(who, request, world):
    api = request.getfixturevalue(who)
    files = CaseFile.objects.count()
    for method, path, body in routes(world):
        assert call(api, method, path, body).status_code == 401, (method, path)
    assert CaseFile.objects.count() == files


def test_a_read_key_reads_every_route_and_writes_none(reader, world):
    for method, path, body in routes(world):
        expected = 200 if method == "get" else 403
        assert call(reader, method, path, body).status_code == expected, (method, path)


def test_a_write_key_gets_through_every_route(writer, world):
    for method, path, body in routes(world):
        assert call(writer, method, path, body).status_code in (200, 201), (method, path)


def test_a_key_of_another_organisation_finds_none_of_its_objects(outsider, world):
    for method, path, body in routes(world):
        response = call(outsider, method, path, body)
        if path.endswith(("/dossiers/", "/certificats/")) and method == "get":
            assert response.json()["resultats"] == [], path
        elif f"/{world['file']}/" in path or "/lots/" in path:
            assert response.status_code == 404, (method, path)
        else:  # its own lots and files: our site is not in its scope, each item is refused
            assert response.status_code in (200, 400), (method, path)
    assert not CaseFile.objects.exclude(reference__in=["DOS-1", "DOS-2"]).exists()
