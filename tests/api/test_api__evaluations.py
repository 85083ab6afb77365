"""Assessments through the API: a row of the results file for the file of the address — the same checks as the
form and the import, the same next task, the key's account completing the step."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from viewflow.workflow.status import STATUS

from backoffice.api.models import ApiKey
from backoffice.core.audit.models import AuditEvent
from casefiles.models import Assessment, CaseFile, CaseFileState
from tests.api.conftest import at, candidate, positioning
from workflows.models import CandidatePathwayTask

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def case_file(writer, idf_site):
    writer.post("/api/v1/dossiers/", candidate(idf_site.siret))
    return CaseFile.objects.get()


def test_the_positioning_completes_the_waiting_step_and_opens_the_training_plan(writer, case_file, assessor):
    response = writer.post(at("DOS-1", "evaluations/"), positioning(assessor.email, missing=("D1",)))

    assert response.status_code == 201
    body = response.json()
    assert body["resultat"] == "cree" and body["dossier"]["etat"] == "training"
    assert body["dossier"]["etape_suivante"]["code"] == "training_plan"
    case_file.refresh_from_db()
    assert case_file.state == CaseFileState.TRAINING and case_file.positioned_on == TODAY
    account = ApiKey.objects.get(scope="write").service_user
    done = CandidatePathwayTask.objects.get(
        process_id=case_file.process_id, flow_task__endswith=".positioning"
    )
    assert done.status == STATUS.DONE and done.owner == account
    event = AuditEvent.objects.get(verb="casefile.positioned")
    assert event.actor == account and event.actor_label.startswith("via l'API, clé « Logiciel de gestion »")
    assert Assessment.objects.get().assessor == assessor


def test_the_same_positioning_sent_again_is_unchanged(writer, case_file, assessor):
    body = positioning(assessor.email)
    writer.post(at("DOS-1", "evaluations/"), body)

    again = writer.post(at("DOS-1", "evaluations/"), body)

    assert again.status_code == 200 and again.json()["resultat"] == "inchange"
    assert Assessment.objects.count() == 1
    assert again.json()["dossier"]["etat"] == "ready_for_jury"


def test_a_file_not_waiting_for_that_assessment_is_refused(writer, case_file, assessor):
    response = writer.post(at("DOS-1", "evaluations/"), positioning(assessor.email, type="finale"))

    assert response.status_code == 400
    assert response.json()["errors"][0]["champ"] == "type"
    assert "n'attend pas une évaluation finale" in response.json()["errors"][0]["message"]


def test_an_assessment_dated_tomorrow_or_by_a_stranger_is_refused_and_nothing_is_written(
    writer, case_file, assessor, evaluator_of_other_organisation
):
    tomorrow = (TODAY + dt.timedelta(days=1)).isoformat()
    events = AuditEvent.objects.count()

    future = writer.post(at("DOS-1", "evaluations/"), positioning(assessor.email, date_evaluation=tomorrow))
    stranger = writer.post(at("DOS-1", "evaluations/"), positioning(evaluator_of_other_organisation.email))

    assert future.status_code == stranger.status_code == 400
    assert {
        "champ": "date_evaluation",
        "message": "la date d'évaluation ne peut pas être dans le futur.",
    } in future.json()["errors"]
    assert stranger.json()["errors"][0]["champ"] == "evaluateur"
    assert not Assessment.objects.exists() and AuditEvent.objects.count() == events
    case_file.refresh_from_db()
    assert case_file.state == CaseFileState.POSITIONING


def test_unknown_result_codes_and_verdicts_are_named(writer, case_file, assessor):
    body = positioning(assessor.email)
    body["resultats"]["Z9.9"] = True
    unknown = writer.post(at("DOS-1", "evaluations/"), body)
    body = positioning(assessor.email)
    body["resultats"]["D1.1"] = "peut-être"
    wrong = writer.post(at("DOS-1", "evaluations/"), body)

    assert unknown.status_code == 400 and unknown.json()["errors"][0]["champ"] == "resultats.Z9.9"
    assert wrong.status_code == 400 and wrong.json()["errors"][0]["champ"] == "resultats.D1.1"
    assert not Assessment.objects.exists()


def test_the_plan_then_the_final_evaluation_bring_the_file_to_the_jury(
    writer, case_file, assessor, training_site, trainer_person
):
    writer.post(at("DOS-1", "evaluations/"), positioning(assessor.email, missing=("D1",)))
    plan = {
        "type": "plan",
        "date_evaluation": TODAY.isoformat(),
        "evaluateur": assessor.email,
        "siret_formateur": training_site.siret,
        "formateur": trainer_person.email,
        "domaines": ["D1"],
        "heures": 35,
        "date_debut": TODAY.isoformat(),
        "date_fin": (TODAY + dt.timedelta(days=30)).isoformat(),
    }

    planned = writer.post(at("DOS-1", "evaluations/"), plan)
    assert planned.status_code == 201, planned.json()
    assert planned.json()["dossier"]["etape_suivante"]["code"] == "final_evaluation"
    codes = {code: True for code in positioning(assessor.email)["resultats"] if code.startswith("D1.")}
    final = writer.post(
        at("DOS-1", "evaluations/"),
        {
            "type": "finale",
            "date_evaluation": TODAY.isoformat(),
            "evaluateur": assessor.email,
            "resultats": codes,
        },
    )

    assert final.status_code == 201, final.json()
    assert final.json()["dossier"]["etat"] == "ready_for_jury"
    assert final.json()["dossier"]["etape_suivante"]["code"] == "ready_for_jury"


def test_a_file_opened_without_reference_is_reached_by_its_id(writer, case_file, assessor):
    CaseFile.objects.filter(pk=case_file.pk).update(reference="")

    response = writer.post(f"/api/v1/dossiers/{case_file.pk}/evaluations/", positioning(assessor.email))

    assert response.status_code == 201
    assert response.json()["dossier"]["url"] == f"/api/v1/dossiers/{case_file.pk}/"


def test_a_read_key_cannot_record_and_an_outsider_gets_404(reader, outsider, case_file, assessor):
    assert reader.post(at("DOS-1", "evaluations/"), positioning(assessor.email)).status_code == 403
    assert outsider.post(at("DOS-1", "evaluations/"), positioning(assessor.email)).status_code == 404
    assert not Assessment.objects.exists()
