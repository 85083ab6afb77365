"""A person in a real browser (Debian's Chromium driven by Playwright) against the live server."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page

from accreditation.models import Department
from accreditation.services import set_user_scope
from backoffice.core.accounts.roles import Role
from fixtures.reference import load_reference_data
from tests.factories import AccreditationFactory, SiteFactory, UserFactory

PASSWORD = "motdepasse-de-test-42"
# This machine has no outside network: Chromium's background connections would only fail.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


@pytest.fixture
def world(transactional_db):  # type: ignore[no-untyped-def]
    load_reference_data()  # the live server reads committed rows
    paris = SiteFactory(department=Department.objects.get(code="75"), name="Antenne de Paris")
    lyon = SiteFactory(department=Department.objects.get(code="69"), name="Antenne de Lyon")
    AccreditationFactory(site=paris)
    AccreditationFactory(site=lyon)
    officer = UserFactory(username="officer.idf", role=Role.CASE_OFFICER)
    from accreditation.models import Region

    set_user_scope(officer, regions=[Region.objects.get(code="IDF")], actor=None)
    return {"paris": paris, "lyon": lyon}


def sign_in(browser: Browser, base: str, username: str) -> Page:
    page = browser.new_page(locale="fr-FR")
    page.goto(f"{base}/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/accueil/")
    return page


def test_officer_signs_in_and_browses_the_organisations_of_their_region(browser, live_server, world):
    page = sign_in(browser, live_server.url, "officer.idf")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert "Île-de-France" in page.inner_text("main")

    page.click("text=Organismes")
    page.click("a[href$='/annuaire/organismes/']")
    page.wait_for_url("**/annuaire/organismes/")
    listing = page.inner_text("main")
    assert world["paris"].organisation.legal_name in listing
    assert world["lyon"].organisation.legal_name not in listing

    page.click(f"text={world['paris'].organisation.legal_name}")
    page.wait_for_url("**/detail/")  # Viewflow navigates with Turbo: wait for the new page
    assert world["paris"].siret in page.inner_text("main")


def test_officer_typing_the_url_of_another_regions_site_gets_not_found(browser, live_server, world):
    page = sign_in(browser, live_server.url, "officer.idf")
    response = page.goto(f"{live_server.url}/annuaire/etablissements/{world['lyon'].pk}/detail/")
    assert response is not None and response.status == 404
    assert world["lyon"].siret not in page.content()


def test_pages_run_under_the_content_security_policy_without_violation(browser, live_server, world):
    violations: list[str] = []
    page = browser.new_page(locale="fr-FR")
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.goto(f"{live_server.url}/")
    page.fill("input[name=username]", "officer.idf")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/accueil/")
    for path in [
        "/annuaire/organismes/",
        "/tableaux-de-bord/stocks/",
        "/jurys/",
        "/accounts/double-authentification/",
    ]:
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and "script-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_load_state("networkidle")

    assert violations == []
