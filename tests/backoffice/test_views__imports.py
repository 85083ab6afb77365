"""Import pages as people use them: upload, preview, confirm, result, report; outsiders see nothing."""

from __future__ import annotations

import csv
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from backoffice.imports import services
from backoffice.imports.models import ImportJob, ImportStatus
from casefiles.models import CaseFile
from tests.backoffice.imports_helpers import CANDIDATE_HEADER, candidate_row, checked, csv_bytes, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def job_with_an_error(evaluator, idf_site):
    today = f"{timezone.localdate():%d/%m/%Y}"
    rows = [
        candidate_row(idf_site.siret, "OK", date_accueil=today),
        candidate_row(idf_site.siret, "KO", sexe="X", date_accueil=today),
    ]
    return checked(csv_bytes(rows), actor=evaluator)


def test_an_evaluator_uploads_previews_confirms_and_sees_the_result(client_for, evaluator, idf_site):
    client = client_for(evaluator)
    today = f"{timezone.localdate():%d/%m/%Y}"
    content = csv_bytes([candidate_row(idf_site.siret, date_accueil=today)])

    response = client.post("/imports/deposer/", {"contract": "candidates", "file": upload(content)})

    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/imports/{job.pk}/"
    page = client.get(f"/imports/{job.pk}/").content.decode()
    assert 'id="progress"' in page and "import-progress.js" in page
    services.check_import(job.pk)
    page = client.get(f"/imports/{job.pk}/").content.decode()
    assert 'id="confirm"' in page and "Importer 1 ligne" in page
    response = client.post(f"/imports/{job.pk}/confirmer/")
    assert response.status_code == 302
    assert client.get(f"/imports/{job.pk}/etat/").json()["status"] == ImportStatus.APPLYING
    services.apply_import(job.pk)
    page = client.get(f"/imports/{job.pk}/").content.decode()
    assert "1 ligne(s) créée(s)" in page and CaseFile.objects.count() == 1


def test_a_wrongly_headed_file_is_refused_on_the_upload_page(client_for, evaluator, idf_site):
    content = csv_bytes([candidate_row(idf_site.siret)], header=CANDIDATE_HEADER[:-1])

    response = client_for(evaluator).post(
        "/imports/deposer/", {"contract": "candidates", "file": upload(content)}, follow=True
    )

    assert "colonnes obligatoires absentes : date_accueil" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_the_preview_lists_errors_and_asks_for_the_choice(client_for, evaluator, job_with_an_error):
    client = client_for(evaluator)
    page = client.get(f"/imports/{job_with_an_error.pk}/").content.decode()

    assert 'name="skip_invalid"' in page and "1 ligne en erreur" in page
    assert "« X » n&#x27;est pas un sexe reconnu" in page
    client.post(f"/imports/{job_with_an_error.pk}/confirmer/")
    job_with_an_error.refresh_from_db()
    assert job_with_an_error.status == ImportStatus.VALIDATED  # refused without the explicit choice
    client.post(f"/imports/{job_with_an_error.pk}/confirmer/", {"skip_invalid": "1"})
    job_with_an_error.refresh_from_db()
    assert job_with_an_error.status == ImportStatus.APPLYING


def test_the_error_report_downloads_as_csv(client_for, evaluator, job_with_an_error):
    response = client_for(evaluator).get(f"/imports/{job_with_an_error.pk}/erreurs.csv")

    rows = list(
        csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")), delimiter=";")
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert rows[0][-1] == "motif_rejet" and rows[1][0] == "KO" and "sexe" in rows[1][-1]


def test_cancelling_a_checked_import_writes_nothing(client_for, evaluator, job_with_an_error):
    client_for(evaluator).post(f"/imports/{job_with_an_error.pk}/abandonner/")

    job_with_an_error.refresh_from_db()
    assert job_with_an_error.status == ImportStatus.CANCELLED and not CaseFile.objects.exists()


@pytest.mark.parametrize("extension", ["csv", "xlsx"])
def test_templates_carry_the_contract_columns(client_for, evaluator, extension):
    response = client_for(evaluator).get(f"/imports/modele/candidates.{extension}")

    if extension == "csv":
        header = response.content.decode("utf-8-sig").splitlines()[0].split(";")
    else:
        header = [
            c for c in next(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
        ]
    birth = ["nom_naissance", "prenom2", "prenom3", "commune_naissance", "pays_naissance"]
    expected = [*CANDIDATE_HEADER[:6], *birth, *CANDIDATE_HEADER[6:], "financement", "precision_financement"]
    assert header == expected  # the optional columns too


def test_results_template_names_every_subdomain(client_for, evaluator):
    header = (
        client_for(evaluator).get("/imports/modele/results.csv").content.decode("utf-8-sig").splitlines()[0]
    )

    assert (
        header.startswith("reference;siret_evaluateur;type;date_evaluation;evaluateur;")
        and ";D7.4;" in header
    )


def test_an_evaluator_may_not_import_organisations(client_for, evaluator):
    assert client_for(evaluator).get("/imports/modele/organisations.csv").status_code == 404
    response = client_for(evaluator).post(
        "/imports/deposer/", {"contract": "organisations", "file": upload(b"a\r\n")}, follow=True
    )
    assert "Vous ne pouvez pas importer" in response.content.decode()


@pytest.mark.parametrize("path", ["/imports/{pk}/", "/imports/{pk}/etat/", "/imports/{pk}/erreurs.csv"])
def test_outsiders_get_404_on_someone_elses_import(
    client_for, job_with_an_error, evaluator_of_other_organisation, officer_of_other_region, path
):
    for outsider in (evaluator_of_other_organisation, officer_of_other_region):
        assert client_for(outsider).get(path.format(pk=job_with_an_error.pk)).status_code == 404


def test_outsiders_cannot_confirm_or_cancel(client_for, job_with_an_error, evaluator_of_other_organisation):
    client = client_for(evaluator_of_other_organisation)

    assert (
        client.post(f"/imports/{job_with_an_error.pk}/confirmer/", {"skip_invalid": "1"}).status_code == 404
    )
    assert client.post(f"/imports/{job_with_an_error.pk}/abandonner/").status_code == 404
    job_with_an_error.refresh_from_db()
    assert job_with_an_error.status == ImportStatus.VALIDATED


def test_the_officer_of_the_region_sees_the_organisations_import(client_for, job_with_an_error, officer):
    assert client_for(officer).get(f"/imports/{job_with_an_error.pk}/").status_code == 200


def test_history_lists_only_the_scope_with_a_bounded_number_of_queries(
    client_for,
    evaluator,
    evaluator_of_other_organisation,
    job_with_an_error,
    idf_site,
    django_assert_max_num_queries,
):
    for n in range(5):
        checked(
            csv_bytes([candidate_row(idf_site.siret, f"R{n}", date_accueil="01/01/2026")]), actor=evaluator
        )

    client = client_for(evaluator)
    with django_assert_max_num_queries(15):
        page = client.get("/imports/").content.decode()
    other = client_for(evaluator_of_other_organisation).get("/imports/").content.decode()

    assert page.count('<tr><td><a href="/imports/') == 6
    assert f'href="/imports/{job_with_an_error.pk}/"' not in other


def test_a_jury_member_has_no_import_page(client_for, jury_member):
    assert client_for(jury_member).get("/imports/").status_code in (403, 404)
