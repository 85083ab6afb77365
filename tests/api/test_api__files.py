"""Case files through the API: opened as a row of the candidates file, read with their next step, listed
by cursor with the filters of a synchronisation, their candidate's contact corrected —
in the key's scope only."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

import pytest
from django.utils import timezone
from viewflow.workflow.status import STATUS

from backoffice.api.models import ApiKey
from backoffice.core.audit.models import AuditEvent
from casefiles.models import Candidate, CaseFile
from tests.api.conftest import at, candidate, positioning
from workflows.models import CandidatePathwayTask

pytestmark = pytest.mark.django_db


@pytest.fixture
def opened(writer, idf_site):
    """Two files opened through the API: DOS-1 (Martin) and DOS-2 (Durand)."""
    assert writer.post("/api/v1/dossiers/", candidate(idf_site.siret)).status_code == 201
    second = candidate(idf_site.siret, "DOS-2", nom="Durand", prenom="Paul", date_naissance="1990-01-01")
    assert writer.post("/api/v1/dossiers/", second).status_code == 201
    return {f.reference: f for f in CaseFile.objects.all()}


# Opening


def test_a_write_key_opens_a_file_and_its_pathway_as_the_import_would(writer, idf_site):
    response = writer.post("/api/v1/dossiers/", candidate(idf_site.siret))

    assert response.status_code == 201
    body = response.json()
    case_file = CaseFile.objects.get()
    assert body["resultat"] == "cree" and body["dossier"]["id"] == case_file.pk
    assert response["Location"] == at("DOS-1") == body["dossier"]["url"]
    assert body["dossier"]["etape_suivante"]["code"] == "positioning"
    assert body["dossier"]["candidat"]["statut"] == "demandeur_emploi"
    assert CandidatePathwayTask.objects.filter(
        process_id=case_file.process_id, flow_task__endswith=".positioning", status=STATUS.NEW
    ).exists()
    prefix = ApiKey.objects.get(scope="write").prefix
    assert AuditEvent.objects.filter(verb="casefile.opened", data__api=prefix).count() == 1


def test_the_same_candidate_sent_again_is_unchanged_and_a_changed_contact_updates_the_file(writer, idf_site):
    writer.post("/api/v1/dossiers/", candidate(idf_site.siret))

    again = writer.post("/api/v1/dossiers/", candidate(idf_site.siret))
    changed = writer.post("/api/v1/dossiers/", candidate(idf_site.siret, email="lea@example.org"))

    assert again.status_code == 200 and again.json()["resultat"] == "inchange"
    assert changed.status_code == 200 and changed.json()["resultat"] == "modifie"
    assert CaseFile.objects.count() == 1 and Candidate.objects.get().email == "lea@example.org"


def test_a_read_key_cannot_open_a_file(reader, idf_site):
    response = reader.post("/api/v1/dossiers/", candidate(idf_site.siret))

    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert "lecture seule" in response.json()["detail"]
    assert not CaseFile.objects.exists()


def test_a_key_of_another_organisation_cannot_open_a_file_at_our_site(outsider, idf_site):
    response = outsider.post("/api/v1/dossiers/", candidate(idf_site.siret))

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "champ": "siret_evaluateur",
            "message": "cet établissement n'est pas dans votre périmètre : la ligne n'est pas importée.",
        }
    ]
    assert not CaseFile.objects.exists()


def test_a_reception_date_in_the_future_is_refused_in_french_and_nothing_is_written(writer, idf_site):
    events = AuditEvent.objects.count()
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()

    response = writer.post("/api/v1/dossiers/", candidate(idf_site.siret, date_accueil=tomorrow))

    assert response.status_code == 400
    problem = response.json()
    assert problem["title"] == "Requête invalide" and problem["instance"] == "/api/v1/dossiers/"
    assert {
        "champ": "date_accueil",
        "message": "la date d'accueil ne peut pas être dans le futur.",
    } in problem["errors"]
    assert not CaseFile.objects.exists() and not Candidate.objects.exists()
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize("who", ["anonymous", "revoked"])
def test_without_a_valid_key_every_route_answers_401(who, request, idf_site, opened):
    api = request.getfixturevalue(who)
    for path in (
        "/api/v1/dossiers/",
        at("DOS-1"),
        at("DOS-1", "grille/"),
        "/api/v1/certificats/",
    ):
        response = api.get(path)
        assert response.status_code == 401, path
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'
        assert response["Content-Type"] == "application/problem+json"
    assert api.post("/api/v1/dossiers/", candidate(idf_site.siret, "DOS-9")).status_code == 401
    assert not CaseFile.objects.filter(reference="DOS-9").exists()


def test_an_unknown_key_is_401(idf_site, keys):
    from tests.api.conftest import Api

    prefix = ApiKey.objects.first().prefix
    for text in (f"clea_{prefix}_pas-le-bon-secret", "clea_inconnu_secret", "n-importe-quoi"):
        response = Api(text).get("/api/v1/dossiers/")
        assert response.status_code == 401 and response.json()["detail"] == "Clé d'API inconnue."
    malformed = Api("deux mots").get("/api/v1/dossiers/")
    assert malformed.status_code == 401 and "mal formé" in malformed.json()["detail"]


# Reading


def test_a_file_is_read_by_its_id_found_by_its_reference_with_its_next_step(reader, opened):
    by_id = reader.get(f"/api/v1/dossiers/{opened['DOS-1'].pk}/")
    found = reader.get("/api/v1/dossiers/?reference=DOS-1").json()["resultats"]

    assert by_id.status_code == 200
    assert found == [by_id.json()]
    assert reader.get("/api/v1/dossiers/?reference=DOS-").json()["resultats"] == []  # exactly that one
    step = by_id.json()["etape_suivante"]
    assert step["code"] == "positioning" and step["titre"] == "Évaluation préalable"
    assert step["a_faire_avant"] == (timezone.localdate() + dt.timedelta(days=15)).isoformat()


def test_a_file_of_another_organisation_is_404(outsider, opened):
    for path in (at("DOS-1"), at("DOS-1", "grille/")):
        response = outsider.get(path)
        assert response.status_code == 404 and response["Content-Type"] == "application/problem+json"
    assert outsider.patch(at("DOS-1", "contact/"), {"email": "x@example.org"}).status_code == 404
    assert outsider.get("/api/v1/dossiers/").json()["resultats"] == []
    assert outsider.get("/api/v1/dossiers/?reference=DOS-1").json()["resultats"] == []


def test_a_file_is_addressed_by_its_id_whatever_the_references(writer, reader, idf_site, opened):
    """A reference that reads as another file's id, or as a route (« lot »), never hides a file."""
    other = opened["DOS-1"]
    writer.post("/api/v1/dossiers/", candidate(idf_site.siret, str(other.pk), nom="Numérique"))
    writer.post("/api/v1/dossiers/", candidate(idf_site.siret, "lot", nom="Lot"))

    assert reader.get(f"/api/v1/dossiers/{other.pk}/").json()["reference"] == "DOS-1"
    for reference in (str(other.pk), "lot"):
        listed = reader.get(f"/api/v1/dossiers/?reference={reference}").json()["resultats"]
        assert [f["reference"] for f in listed] == [reference]
        assert reader.get(listed[0]["url"]).json()["reference"] == reference


@pytest.mark.parametrize(
    "path", ["/api/v1/dossiers/%C2%B2/", "/api/v1/dossiers/DOS-1/", "/api/v1/dossiers/-1/"]
)
def test_an_address_that_is_not_an_id_is_404(reader, opened, path):
    response = reader.get(path)

    assert response.status_code == 404 and response["Content-Type"] == "application/problem+json"


def test_an_id_beyond_any_file_is_404(reader, opened):
    assert reader.get(f"/api/v1/dossiers/{'9' * 30}/").status_code == 404


@pytest.mark.parametrize("query", ["certification=%00", "etat=a%00b", "reference=%00", "modifie_depuis=%00"])
def test_a_nul_character_in_a_parameter_is_refused_by_name(reader, opened, query):
    response = reader.get(f"/api/v1/dossiers/?{query}")

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"champ": query.split("=")[0], "message": "caractère nul (U+0000) interdit."}
    ]


def test_the_list_pages_by_cursor_and_filters_as_a_synchronisation_needs(
    reader, writer, opened, django_assert_max_num_queries
):
    first = reader.get("/api/v1/dossiers/?taille=1")
    assert [f["reference"] for f in first.json()["resultats"]] == ["DOS-1"]
    second = reader.get(first.json()["suivant"])
    assert [f["reference"] for f in second.json()["resultats"]] == ["DOS-2"]
    assert second.json()["suivant"] is None

    assert len(reader.get("/api/v1/dossiers/?certification=clea").json()["resultats"]) == 2
    assert reader.get("/api/v1/dossiers/?certification=CLEA_NUM").json()["resultats"] == []
    assert len(reader.get("/api/v1/dossiers/?etat=positioning").json()["resultats"]) == 2
    since = timezone.now()
    writer.patch(at("DOS-2", "contact/"), {"telephone": "0700000000"})
    changed = reader.get("/api/v1/dossiers/?" + urlencode({"modifie_depuis": since.isoformat()}))
    assert [f["reference"] for f in changed.json()["resultats"]] == ["DOS-2"]
    with django_assert_max_num_queries(10):
        reader.get("/api/v1/dossiers/")


def test_bad_filters_are_400_naming_the_filter(reader, opened):
    response = reader.get("/api/v1/dossiers/?etat=perdu&modifie_depuis=hier&certification=XYZ")

    assert response.status_code == 400
    assert {e["champ"] for e in response.json()["errors"]} == {"etat", "certification"}
    assert (
        reader.get("/api/v1/dossiers/?modifie_depuis=hier").json()["errors"][0]["champ"] == "modifie_depuis"
    )


def test_the_grid_shows_each_domain_after_the_positioning(writer, opened, assessor):
    writer.post(at("DOS-1", "evaluations/"), positioning(assessor.email, missing=("D1",)))

    grid = writer.get(at("DOS-1", "grille/")).json()

    statuses = {domain["code"]: domain["statut"] for domain in grid["domaines"]}
    assert statuses["D1"] == "to_train" and statuses["D2"] == "acquired"
    assert grid["domaines"][0]["evaluation"]["type"] == "prealable"
    assert {"code": "D1.1", "acquis": False, "par_criteres": False} in grid["domaines"][0]["sous_domaines"]


# Contact


def test_the_contact_is_corrected_by_the_rectification_service(writer, opened):
    response = writer.patch(at("DOS-1", "contact/"), {"email": "Lea.M@Example.org", "code_postal": "75011"})

    assert response.status_code == 200 and response.json()["resultat"] == "modifie"
    person = Candidate.objects.get(last_name="Martin")
    assert (person.email, person.postcode) == ("lea.m@example.org", "75011")
    event = AuditEvent.objects.get(verb="candidate.rectified")
    assert event.actor == ApiKey.objects.get(scope="write").service_user
    again = writer.patch(at("DOS-1", "contact/"), {"email": "lea.m@example.org"})
    assert again.json()["resultat"] == "inchange"


def test_a_bad_postcode_is_refused_and_nothing_changes(writer, opened):
    response = writer.patch(at("DOS-1", "contact/"), {"code_postal": "7501", "telephone": "abc"})

    assert response.status_code == 400
    assert [e["champ"] for e in response.json()["errors"]] == ["telephone"]
    assert Candidate.objects.get(last_name="Martin").postcode == "93200"
    assert writer.patch(at("DOS-1", "contact/"), {}).status_code == 400


# Certificates


def test_the_certificates_of_the_organisation_are_listed_and_an_outsider_sees_none(
    evaluator, idf_site, awarded, outsider
):
    from backoffice.api.services import create_api_key
    from tests.api.conftest import Api

    _, text = create_api_key(idf_site.organisation, name="Suivi", scope="read", actor=evaluator)

    body = Api(text).get("/api/v1/certificats/").json()

    assert sorted(c["numero"] for c in body["resultats"]) == sorted(c.number for c in awarded)
    assert body["resultats"][0]["statut"] == "pending"
    assert outsider.get("/api/v1/certificats/").json()["resultats"] == []
