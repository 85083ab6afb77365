"""Lots of up to 1,000 items, each answered as an import's row: during the request up to `API_SYNC_MAX`
items, beyond through the import worker (an import of the organisation) with a lot to poll."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from backoffice.api import lots
from backoffice.api.models import ApiKey, BulkSubmission
from backoffice.api.services import revoke_api_key
from backoffice.api.tasks import run_lot_job
from backoffice.core.audit.models import AuditEvent
from backoffice.imports import services as imports
from backoffice.imports.models import ImportJob, ImportStatus
from casefiles.models import Assessment, Candidate, CaseFile, CaseFileState
from tests.api.conftest import candidate, positioning

pytestmark = pytest.mark.django_db
TOMORROW = (timezone.localdate() + dt.timedelta(days=1)).isoformat()


def _people(siret: str, count: int, **changes) -> list[dict]:
    return [
        candidate(
            siret, f"LOT-{n}", nom=f"Nom{'x' * n}", prenom="Zoé", date_naissance="1990-05-05", **changes
        )
        for n in range(1, count + 1)
    ]


def test_a_small_lot_answers_each_item_as_an_import_row(writer, idf_site):
    writer.post("/api/v1/dossiers/", _people(idf_site.siret, 1)[0])
    items = [*_people(idf_site.siret, 3), candidate(idf_site.siret, "LOT-9", date_accueil=TOMORROW)]

    response = writer.post("/api/v1/dossiers/lot/", {"elements": items})

    assert response.status_code == 200
    body = response.json()
    assert body["etat"] == "termine" and body["id"] is None
    assert [item["resultat"] for item in body["resultats"]] == ["inchange", "cree", "cree", "refuse"]
    assert body["totaux"] == {"cree": 2, "modifie": 0, "inchange": 1, "refuse": 1}
    assert body["resultats"][3]["erreurs"] == [
        {"champ": "date_accueil", "message": "la date d'accueil ne peut pas être dans le futur."}
    ]
    created = {f.reference: f.pk for f in CaseFile.objects.all()}
    assert [item["dossier"] for item in body["resultats"]] == [
        created["LOT-1"],
        created["LOT-2"],
        created["LOT-3"],
        None,
    ]
    assert set(created) == {"LOT-1", "LOT-2", "LOT-3"}


def test_a_large_lot_goes_through_the_import_worker_and_is_polled(
    writer, idf_site, settings, django_capture_on_commit_callbacks
):
    settings.API_SYNC_MAX = 2
    items = [*_people(idf_site.siret, 3), candidate(idf_site.siret, "LOT-9", date_accueil=TOMORROW)]

    with django_capture_on_commit_callbacks() as sent:
        response = writer.post("/api/v1/dossiers/lot/", {"elements": items})

    assert response.status_code == 202
    lot = BulkSubmission.objects.get()
    assert response["Location"] == f"/api/v1/lots/{lot.pk}/" == response.json()["url"]
    assert response.json()["etat"] == "en_cours" and response.json()["totaux"] is None
    assert [callback.__qualname__ for callback in sent] == ["enqueue run_lot_job"]
    assert not CaseFile.objects.exists()
    assert writer.get(f"/api/v1/lots/{lot.pk}/").json()["etat"] == "en_cours"

    run_lot_job(lot.pk)  # the worker's actor, run here
    run_lot_job(lot.pk)  # a redelivered message changes nothing

    polled = writer.get(f"/api/v1/lots/{lot.pk}/").json()
    assert polled["etat"] == "termine"
    assert [item["resultat"] for item in polled["resultats"]] == ["cree", "cree", "cree", "refuse"]
    assert polled["resultats"][3]["erreurs"][0]["champ"] == "date_accueil"
    assert polled["resultats"][0]["dossier"] == CaseFile.objects.get(reference="LOT-1").pk
    job = ImportJob.objects.get()
    account = ApiKey.objects.get(scope="write").service_user
    assert job.status == ImportStatus.APPLIED and job.skip_invalid and job.uploaded_by == account
    assert (job.new_rows, job.invalid_rows) == (3, 1)
    assert CaseFile.objects.count() == 3
    assert set(AuditEvent.objects.filter(verb="casefile.opened").values_list("actor", flat=True)) == {
        account.pk
    }


def test_a_large_lot_with_nothing_new_is_answered_and_its_import_dropped(writer, idf_site, settings):
    settings.API_SYNC_MAX = 1
    items = _people(idf_site.siret, 2)
    writer.post("/api/v1/dossiers/lot/", {"elements": items[:1]})
    writer.post("/api/v1/dossiers/lot/", {"elements": items[1:]})
    settings.API_SYNC_MAX = 1

    response = writer.post("/api/v1/dossiers/lot/", {"elements": items})
    lots.run_lot(response.json()["id"])

    polled = writer.get(response["Location"]).json()
    assert [item["resultat"] for item in polled["resultats"]] == ["inchange", "inchange"]
    assert ImportJob.objects.get().status == ImportStatus.CANCELLED


def test_a_lot_of_another_organisation_is_404(writer, outsider, idf_site, settings):
    settings.API_SYNC_MAX = 1
    response = writer.post("/api/v1/dossiers/lot/", {"elements": _people(idf_site.siret, 2)})

    assert outsider.get(response["Location"]).status_code == 404
    assert outsider.get("/api/v1/lots/999999/").status_code == 404


def test_a_lot_of_results_records_each_positioning_as_the_results_import(writer, idf_site, assessor):
    writer.post("/api/v1/dossiers/lot/", {"elements": _people(idf_site.siret, 2)})
    rows = [
        {"reference": "LOT-1", "siret_evaluateur": idf_site.siret, **positioning(assessor.email)},
        {
            "reference": "LOT-2",
            "siret_evaluateur": idf_site.siret,
            **positioning(assessor.email, missing=("D2",)),
        },
        {"reference": "LOT-3", "siret_evaluateur": idf_site.siret, **positioning(assessor.email)},
    ]

    response = writer.post("/api/v1/evaluations/lot/", {"elements": rows})

    body = response.json()
    assert response.status_code == 200
    assert [item["resultat"] for item in body["resultats"]] == ["cree", "cree", "refuse"]
    assert body["resultats"][2]["erreurs"] == [
        {"champ": "reference", "message": "aucun dossier « LOT-3 » dans cet établissement."}
    ]
    states = dict(CaseFile.objects.values_list("reference", "state"))
    assert states == {"LOT-1": CaseFileState.READY_FOR_JURY, "LOT-2": CaseFileState.TRAINING}
    assert Assessment.objects.count() == 2


def test_a_large_lot_of_results_goes_through_the_import_worker(writer, idf_site, assessor, settings):
    writer.post("/api/v1/dossiers/lot/", {"elements": _people(idf_site.siret, 3)})
    settings.API_SYNC_MAX = 1
    rows = [
        {"reference": f"LOT-{n}", "siret_evaluateur": idf_site.siret, **positioning(assessor.email)}
        for n in (1, 2, 3)
    ]
    rows[2]["resultats"]["D1.1"] = "peut-être"

    response = writer.post("/api/v1/evaluations/lot/", {"elements": rows})
    lots.run_lot(response.json()["id"])

    polled = writer.get(response["Location"]).json()
    assert [item["resultat"] for item in polled["resultats"]] == ["cree", "cree", "refuse"]
    assert polled["resultats"][2]["erreurs"][0]["champ"] == "resultats.D1.1"
    states = dict(CaseFile.objects.values_list("reference", "state"))
    assert states == {
        "LOT-1": CaseFileState.READY_FOR_JURY,
        "LOT-2": CaseFileState.READY_FOR_JURY,
        "LOT-3": CaseFileState.POSITIONING,
    }
    assert ImportJob.objects.get(contract="results").status == ImportStatus.APPLIED


@pytest.mark.parametrize("sync_max", [100, 1])
def test_an_unknown_result_code_refuses_that_item_alone(writer, idf_site, assessor, settings, sync_max):
    writer.post("/api/v1/dossiers/lot/", {"elements": _people(idf_site.siret, 2)})
    settings.API_SYNC_MAX = sync_max
    rows = [
        {"reference": f"LOT-{n}", "siret_evaluateur": idf_site.siret, **positioning(assessor.email)}
        for n in (1, 2)
    ]
    rows[0]["resultats"]["X1.1"] = True

    response = writer.post("/api/v1/evaluations/lot/", {"elements": rows})
    if response.status_code == 202:
        run_lot_job(response.json()["id"])
        response = writer.get(response["Location"])

    answers = response.json()["resultats"]
    assert [item["resultat"] for item in answers] == ["refuse", "cree"]
    assert answers[0]["erreurs"] == [
        {
            "champ": "resultats.X1.1",  # within the item (its answer has its index)
            "message": "ni un sous-domaine ni un critère d'un référentiel publié.",
        }
    ]
    assert answers[1]["dossier"] == CaseFile.objects.get(reference="LOT-2").pk
    assert dict(CaseFile.objects.values_list("reference", "state")) == {
        "LOT-1": CaseFileState.POSITIONING,
        "LOT-2": CaseFileState.READY_FOR_JURY,
    }


def test_a_field_an_item_does_not_send_is_left_as_it_is(writer, idf_site):
    first, second = _people(idf_site.siret, 2)
    writer.post("/api/v1/dossiers/lot/", {"elements": [first, second]})
    del second["email"]
    first["telephone"] = "07 00 00 00 01"

    response = writer.post("/api/v1/dossiers/lot/", {"elements": [first, second]})

    assert [item["resultat"] for item in response.json()["resultats"]] == ["modifie", "inchange"]
    assert CaseFile.objects.get(reference="LOT-2").candidate.email == "lea.martin@example.org"


def test_a_lot_for_the_worker_must_send_the_same_fields_in_every_item(writer, idf_site, settings):
    settings.API_SYNC_MAX = 1
    items = _people(idf_site.siret, 3)
    del items[2]["email"]

    response = writer.post("/api/v1/dossiers/lot/", {"elements": items})

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"champ": "elements[2]", "message": "champs différents du premier élément (absents : email)."}
    ]
    assert not BulkSubmission.objects.exists() and not ImportJob.objects.exists()


def _queued_lot(writer, siret: str, settings, count: int = 2) -> BulkSubmission:
    settings.API_SYNC_MAX = 0
    writer.post("/api/v1/dossiers/lot/", {"elements": _people(siret, count)})
    return BulkSubmission.objects.latest("pk")


def test_a_lot_applied_by_the_import_workers_resume_keeps_its_answers(writer, idf_site, settings):
    """The worker died after confirming: the stalled-imports resume applies the import without the lot's
    code; each item's answer is kept in that apply's transaction, and a redelivery changes nothing."""
    lot = _queued_lot(writer, idf_site.siret, settings)
    imports.check_import(lot.import_job_id)
    imports.confirm_import(lot.import_job, skip_invalid=True, actor=lot.api_key.service_user, enqueue=False)

    imports.apply_import(lot.import_job_id)  # the import actor, sent by resume_stalled_imports

    lot.refresh_from_db()
    assert lot.finished_at is not None and not lot.failure
    created = dict(CaseFile.objects.values_list("reference", "pk"))
    assert [(e["resultat"], e["dossier"]) for e in lot.results] == [
        ("cree", created["LOT-1"]),
        ("cree", created["LOT-2"]),
    ]
    run_lot_job(lot.pk)
    lot.refresh_from_db()
    assert [e["resultat"] for e in lot.results] == ["cree", "cree"]


def test_a_lot_checked_by_an_earlier_delivery_is_judged_again(writer, idf_site, settings):
    """Nothing new, and the check done before the worker died: the items are judged again (unchanged), never
    reported refused."""
    writer.post("/api/v1/dossiers/lot/", {"elements": _people(idf_site.siret, 2)})
    lot = _queued_lot(writer, idf_site.siret, settings)
    imports.check_import(lot.import_job_id)  # the delivery that died

    run_lot_job(lot.pk)

    polled = writer.get(f"/api/v1/lots/{lot.pk}/").json()
    assert polled["etat"] == "termine"
    assert [e["resultat"] for e in polled["resultats"]] == ["inchange", "inchange"]
    assert ImportJob.objects.get(pk=lot.import_job_id).status == ImportStatus.CANCELLED


def test_a_lot_of_a_key_revoked_before_it_runs_writes_nothing(writer, idf_site, settings, evaluator):
    lot = _queued_lot(writer, idf_site.siret, settings)
    revoke_api_key(lot.api_key, actor=evaluator)

    run_lot_job(lot.pk)

    polled = writer.get(f"/api/v1/lots/{lot.pk}/")
    assert polled.status_code == 401  # the key is gone: its lot is read by the organisation's other keys
    lot.refresh_from_db()
    assert lot.failure == lots.REVOKED and all(e["resultat"] == "refuse" for e in lot.results)
    assert not CaseFile.objects.exists()
    assert ImportJob.objects.get(pk=lot.import_job_id).status == ImportStatus.VALIDATED  # never confirmed


def test_a_stalled_lot_is_sent_again_then_given_up(writer, idf_site, settings):
    lot = _queued_lot(writer, idf_site.siret, settings)
    BulkSubmission.objects.filter(pk=lot.pk).update(created_at=timezone.now() - dt.timedelta(minutes=10))
    assert lots.stalled_lots() == [lot.pk]

    BulkSubmission.objects.filter(pk=lot.pk).update(created_at=timezone.now() - dt.timedelta(hours=3))

    assert lots.stalled_lots() == []
    polled = writer.get(f"/api/v1/lots/{lot.pk}/").json()
    assert polled["etat"] == "echoue" and "renvoyez-le" in polled["detail"]
    run_lot_job(lot.pk)  # a delivery still on its way finds the lot answered: nothing is written
    assert not CaseFile.objects.exists()


def test_a_lot_given_up_after_its_check_is_never_confirmed(writer, idf_site, settings):
    lot = _queued_lot(writer, idf_site.siret, settings)
    imports.check_import(lot.import_job_id)  # a delivery that stalls right after its check
    BulkSubmission.objects.filter(pk=lot.pk).update(created_at=timezone.now() - dt.timedelta(hours=3))
    lots.stalled_lots()

    run_lot_job(lot.pk)

    assert not CaseFile.objects.exists()
    assert ImportJob.objects.get(pk=lot.import_job_id).status == ImportStatus.CANCELLED


def test_a_results_lot_for_the_worker_may_send_different_verdicts(writer, idf_site, assessor, settings):
    """Absent verdicts and plan fields are empty cells in a results file: items need not send the same."""
    writer.post("/api/v1/dossiers/lot/", {"elements": _people(idf_site.siret, 2)})
    settings.API_SYNC_MAX = 1
    full = {"reference": "LOT-1", "siret_evaluateur": idf_site.siret, **positioning(assessor.email)}
    partial = {"reference": "LOT-2", "siret_evaluateur": idf_site.siret, **positioning(assessor.email)}
    del partial["resultats"]["D1.1"]

    response = writer.post("/api/v1/evaluations/lot/", {"elements": [full, partial]})
    run_lot_job(response.json()["id"])

    answers = writer.get(response["Location"]).json()["resultats"]
    assert response.status_code == 202
    assert [item["resultat"] for item in answers] == ["cree", "refuse"]
    assert answers[1]["erreurs"] == [{"champ": "", "message": "D1.1 n'est pas évalué."}]  # the file's rule


def test_an_item_changed_since_an_earlier_check_is_refused_not_reported_written(writer, idf_site, settings):
    writer.post("/api/v1/dossiers/lot/", {"elements": _people(idf_site.siret, 2)})
    lot = _queued_lot(writer, idf_site.siret, settings)
    imports.check_import(lot.import_job_id)  # nothing new: then the delivery died
    Candidate.objects.filter(case_files__reference="LOT-1").update(email="autre@example.org")

    run_lot_job(lot.pk)

    answers = writer.get(f"/api/v1/lots/{lot.pk}/").json()["resultats"]
    assert [item["resultat"] for item in answers] == ["refuse", "inchange"]
    assert "renvoyez cet élément" in answers[0]["erreurs"][0]["message"]
    assert Candidate.objects.get(case_files__reference="LOT-1").email == "autre@example.org"
