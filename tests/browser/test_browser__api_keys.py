"""The organisations' API as its users meet it, in a real browser: an evaluator creates a key on « Clés
d'API » (shown once), their software opens a file and reads its next step over HTTP, the file's history in
the back-office names the key, and once the key is revoked on the page the software's next call is refused."""

from __future__ import annotations

import json

import pytest

from accreditation.models import Organisation
from casefiles.models import CaseFile
from fixtures.reference import load_reference_data
from tests.api.conftest import candidate
from tests.browser.test_browser__demo import axe_problems
from tests.browser.test_browser__login import sign_in
from tests.fees.conftest import accredited_site, staff_of


@pytest.fixture
def evaluator_site(transactional_db):  # type: ignore[no-untyped-def]
    load_reference_data()  # the live server reads committed rows
    site = accredited_site("93")
    staff_of(site.organisation, "evaluatrice.api")
    return site


def test_an_evaluator_creates_a_key_their_software_uses_then_revokes_it(browser, live_server, evaluator_site):
    base = live_server.url
    page = sign_in(browser, base, "evaluatrice.api")
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(f"{base}/cles-api/")
    page.fill("#name", "Logiciel RH")
    page.check("#scope-write")
    page.click("#create-key button[type=submit]")
    page.wait_for_selector("#new-key")
    key = page.input_value("#key-value")
    assert key.startswith("clea_") and "Copiez-la maintenant" in page.inner_text("#new-key")
    assert axe_problems(page, strict=False) == []
    page.goto(f"{base}/cles-api/")
    assert key not in page.content() and "#new-key" not in page.content()  # shown once

    auth = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    opened = page.request.post(
        f"{base}/api/v1/dossiers/", data=json.dumps(candidate(evaluator_site.siret)), headers=auth
    )
    assert opened.status == 201
    url = opened.json()["dossier"]["url"]
    assert page.request.get(base + url, headers=auth).json()["etape_suivante"]["code"] == "positioning"

    page.goto(base + CaseFile.objects.get(reference="DOS-1").get_absolute_url())
    assert "via l'API, clé « Logiciel RH »" in page.inner_text("main")

    page.goto(f"{base}/cles-api/")
    page.click("#keys button:has-text('Révoquer')")
    page.wait_for_selector("text=est révoquée")
    refused = page.request.get(base + url, headers=auth)
    assert refused.status == 401 and refused.headers["content-type"] == "application/problem+json"
    assert "révoquée" in refused.json()["detail"]
    assert Organisation.objects.get(pk=evaluator_site.organisation_id).api_keys.count() == 1
    assert errors == []
