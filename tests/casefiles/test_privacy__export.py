"""The subject-access export: everything held about one candidate, as JSON and as PDF, for the officers of
the candidate's region, supervisors and administrators; 404 outside scope, 403 to other roles; each export
is recorded in the trail."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfReader

from backoffice.core.audit.models import AuditEvent
from casefiles.events import CandidateEvent
from casefiles.models import Candidate, CaseFile
from casefiles.services import attach_document, open_case_file, rectify_candidate

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n% compte rendu\n%%EOF\n"


def export_url(candidate_id: int, extension: str = "json") -> str:
    return f"/candidats/personnes/{candidate_id}/donnees-personnelles.{extension}"


def exports() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(verb=CandidateEvent.EXPORTED).order_by("id"))


@pytest.fixture
def held(case_file, evaluator):  # type: ignore[no-untyped-def]
    upload = SimpleUploadedFile("Compte rendu Martin.pdf", PDF, content_type="application/pdf")
    attach_document(case_file, upload=upload, category="positioning_report", actor=evaluator)
    rectify_candidate(case_file.candidate, changes={"email": "lea.martin@exemple.fr"}, actor=evaluator)
    return case_file


def test_the_json_export_holds_identity_files_documents_and_events(client_for, officer, held):
    response = client_for(officer).get(export_url(held.candidate_id))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="donnees-personnelles-candidat-{held.candidate_id}.json"'
    )
    data = json.loads(response.content)
    assert data["candidat"] | {"cree_le": None} == {
        "numero": held.candidate_id,
        "nom": "Martin",
        "prenom": "Léa",
        "nom_de_naissance": "",
        "deuxieme_prenom": "",
        "troisieme_prenom": "",
        "date_naissance": "1999-04-02",
        "commune_de_naissance": "",
        "pays_de_naissance": "",
        "sexe": "Femme",
        "email": "lea.martin@exemple.fr",
        "telephone": "",
        "code_postal": "93200",
        "statut": "Demandeur·se d'emploi",
        "secteur": "Petite enfance",
        "cree_le": None,
        "anonymise_le": None,
    }
    (dossier,) = data["dossiers"]
    assert dossier["numero"] == held.pk and dossier["etat"] == "Évaluation préalable à réaliser"
    assert len(dossier["domaines"]) == 7 and dossier["domaines"][0]["statut"] == "Non évalué"
    assert [p["nom_du_fichier"] for p in dossier["pieces"]] == ["Compte rendu Martin.pdf"]
    assert [e["evenement"] for e in data["evenements"]] == [
        "Dossier ouvert",
        "Pièce ajoutée au dossier",
        "Données personnelles rectifiées",
        "Données personnelles exportées (droit d'accès)",
    ]


def test_each_export_is_recorded_against_the_candidate(client_for, officer, supervisor, held):
    client_for(officer).get(export_url(held.candidate_id))
    client_for(supervisor).get(export_url(held.candidate_id, "pdf"))

    assert [(e.subject_id, e.actor_label, e.data) for e in exports()] == [
        (str(held.candidate_id), "officer.idf", {"format": "json"}),
        (str(held.candidate_id), "supervisor", {"format": "pdf"}),
    ]


def test_the_pdf_export_is_a_pdf_naming_the_person(client_for, administrator, held):
    response = client_for(administrator).get(export_url(held.candidate_id, "pdf"))

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    pages = PdfReader(io.BytesIO(response.content)).pages
    text = " ".join(" ".join(page.extract_text().split()) for page in pages)
    for expected in ("Données personnelles détenues", "Martin", "1999-04-02", "lea.martin@exemple.fr"):
        assert expected in text
    assert "Compte rendu Martin.pdf" in text and f"Dossier n° {held.pk}" in text


def test_outsiders_get_404_and_other_roles_403_and_nothing_is_recorded(
    client_for, held, officer_of_other_region, evaluator_of_other_organisation, evaluator, jury_member
):
    for outsider in (officer_of_other_region, evaluator_of_other_organisation):
        for extension in ("json", "pdf"):
            assert client_for(outsider).get(export_url(held.candidate_id, extension)).status_code == 404
    # jury members have no access to the case files application at all: the same 403 for any number
    jury = client_for(jury_member)
    assert (
        jury.get(export_url(held.candidate_id)).status_code
        == jury.get(export_url(999_999)).status_code
        == 403
    )
    # the evaluator sees the file but an export of everything is for Certif'Pro staff
    assert client_for(evaluator).get(export_url(held.candidate_id)).status_code == 403
    assert client_for(officer_of_other_region).get(export_url(999_999)).status_code == 404
    assert exports() == []


def test_an_officer_gets_403_when_the_candidate_also_has_files_in_another_region(
    client_for, officer, supervisor, held, ara_site, clea
):
    evaluator_ara = _evaluator_of(ara_site)
    held.state = "abandoned"
    held.closed_on = dt.date.today()
    held.save()
    open_case_file(
        site=ara_site, certification=clea, opened_on=dt.date.today(), candidate=held.candidate,
        actor=evaluator_ara,
    )  # fmt: skip

    response = client_for(officer).get(export_url(held.candidate_id))

    assert response.status_code == 403
    assert exports() == []
    data = json.loads(client_for(supervisor).get(export_url(held.candidate_id)).content)
    assert len(data["dossiers"]) == 2 == CaseFile.objects.filter(candidate=held.candidate).count()


def test_the_file_page_links_the_export_for_officers_only(client_for, officer, evaluator, held):
    officer_page = client_for(officer).get(f"/candidats/dossiers/{held.pk}/detail/").content.decode()
    evaluator_page = client_for(evaluator).get(f"/candidats/dossiers/{held.pk}/detail/").content.decode()
    assert export_url(held.candidate_id) in officer_page
    assert export_url(held.candidate_id) not in evaluator_page


def test_an_anonymised_candidate_exports_what_is_left(client_for, supervisor, held):
    Candidate.objects.filter(pk=held.candidate_id).update(last_name="Anonymisé·e", email="")
    data = json.loads(client_for(supervisor).get(export_url(held.candidate_id)).content)
    assert data["candidat"]["nom"] == "Anonymisé·e" and data["candidat"]["email"] == ""


def _evaluator_of(site):  # type: ignore[no-untyped-def]
    from accreditation.services import set_user_scope
    from backoffice.core.accounts.roles import Role
    from tests.factories import UserFactory

    user = UserFactory(username="evaluator.ara", role=Role.EVALUATOR_STAFF)
    set_user_scope(user, organisation=site.organisation, actor=None)
    return user


def test_the_export_gives_the_funding_with_its_note(client_for, officer, held):
    CaseFile.objects.filter(pk=held.pk).update(funding="opco", funding_note="OPCO EP")

    data = json.loads(client_for(officer).get(export_url(held.candidate_id)).content)

    (dossier,) = data["dossiers"]
    assert (dossier["financement"], dossier["precision_du_financement"]) == ("OPCO", "OPCO EP")
    assert exports()[-1].subject_id == str(held.candidate_id)
