"""The whole SI CPF loop in a real browser, as a national supervisor does it: prepare a transmission (built by
the worker's job), download the XML that passed the schema, mark it deposited, upload the CDC's receipt (one
holder rejected), correct that holder's identity, and prepare the next one — which holds only that holder."""

from __future__ import annotations

import pytest
from lxml import etree

from accreditation.models import Certification
from casefiles.cdc.validation import validate_flux
from casefiles.models import CdcStatus, Certificate, Transmission
from casefiles.tasks import build_transmission_file
from fixtures.cdc_receipts import simulated_receipt
from fixtures.reference import load_reference_data
from tests.backoffice.test_views__certificates import awarded, issued  # noqa: F401
from tests.browser.test_browser__demo import axe_problems
from tests.browser.test_browser__login import sign_in
from tests.casefiles.conftest import (  # noqa: F401
    assessor,
    clea,
    employee_member,
    framework,
    session,
    two_ready_files,
)

NS = {"c": "urn:cdc:cpf:pc5:schema:1.0.0"}


@pytest.fixture
def world(transactional_db):  # type: ignore[no-untyped-def]
    load_reference_data()  # the live server reads committed rows
    Certification.objects.filter(code="CLEA").update(rs_code="RS5080")


def built_by_the_worker() -> Transmission:
    """What the worker does with the message the request enqueued on commit."""
    transmission = Transmission.objects.get(status="building")
    build_transmission_file.fn(transmission.pk)
    transmission.refresh_from_db()
    return transmission


def test_a_supervisor_sends_the_holders_reads_the_receipt_corrects_one_and_sends_it_again(
    browser,
    live_server,
    world,
    supervisor,
    issued,  # noqa: F811
    tmp_path,
):
    base = live_server.url
    page = sign_in(browser, base, "supervisor")
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(f"{base}/certificats/transmissions/")
    assert page.inner_text("#due") == "2"
    page.click("text=Préparer la transmission")
    page.wait_for_selector("#progress")
    first = built_by_the_worker()
    page.reload()
    assert "Prête à déposer" in page.inner_text("main")
    assert axe_problems(page, strict=False) == []

    with page.expect_download() as download:
        page.click("#download")
    path = tmp_path / first.file_name
    download.value.save_as(path)
    assert validate_flux(path) == []
    assert len(etree.parse(str(path)).xpath("//c:passageCertification", namespaces=NS)) == 2

    page.click("text=Marquer comme déposée")
    page.wait_for_selector("#receipt")
    rejected = issued[1].number
    receipt = tmp_path / "accuse.xml"
    first.refresh_from_db()
    receipt.write_bytes(simulated_receipt(first, numbers=(rejected,)))
    page.set_input_files("#id_accuse", str(receipt))
    page.click("text=Enregistrer l'accusé")
    page.wait_for_selector("text=Accusé enregistré")
    assert "1 titulaire(s) accepté(s), 1 rejeté(s)" in page.inner_text("body")

    page.goto(f"{base}/certificats/")
    assert rejected in page.inner_text("#rejected")
    page.click(f"#rejected tr:has-text('{rejected}') a:has-text('Corriger')")
    page.fill("#id_birth_name", "Moreau-Lefèvre")
    with page.expect_navigation():
        page.click("text=Enregistrer la rectification")
    assert Certificate.objects.get(number=rejected).cdc_status == CdcStatus.TO_SEND

    page.goto(f"{base}/certificats/transmissions/")
    assert page.inner_text("#due") == "1"
    page.click("text=Préparer la transmission")
    page.wait_for_selector("#progress")
    second = built_by_the_worker()
    assert list(second.passage_rows.values_list("id_technique", flat=True)) == [rejected]
    assert errors == []
