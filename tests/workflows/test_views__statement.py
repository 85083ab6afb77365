from __future__ import annotations

import datetime as dt
import io

import pytest
from pypdf import PdfReader

from tests.workflows.test_flow__pathway_http import do_task, open_and_position, open_file, results

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()


def test_statement_of_acquisitions_is_a_pdf_listing_each_domain(
    client_for, evaluator, idf_site, clea, assessor
):
    staff = client_for(evaluator)
    case_file = open_file(staff, idf_site, clea)
    assert (
        staff.get(f"/dossiers/{case_file.pk}/attestation-des-acquis.pdf").status_code == 404
    )  # not positioned
    do_task(
        staff,
        case_file,
        "positioning",
        {
            "assessed_on": (TODAY - dt.timedelta(days=2)).isoformat(),
            "assessor": assessor.pk,
            **results(case_file, missing=("D3",)),
        },
    )

    response = staff.get(f"/dossiers/{case_file.pk}/attestation-des-acquis.pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Attestation des acquis" in text
    assert "DIALLO" in text
    assert "6 domaines acquis sur 7" in text
    assert "À former" in text


def test_statement_of_another_scope_is_not_found(
    client_for, evaluator, idf_site, clea, assessor, evaluator_of_other_organisation
):
    case_file = open_and_position(client_for(evaluator), idf_site, clea, assessor, days_ago=0)
    outsider = client_for(evaluator_of_other_organisation)
    assert outsider.get(f"/dossiers/{case_file.pk}/attestation-des-acquis.pdf").status_code == 404
