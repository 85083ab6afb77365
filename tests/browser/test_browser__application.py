"""An organisation submits its application through the wizard in a real browser; Certif'Pro staff check,
review, propose and decide it, and the establishment is accredited."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page

from accreditation.models import (
    Accreditation,
    AccreditationApplication,
    ApplicationStatus,
    Department,
    Region,
)
from accreditation.services import move_campaign
from accreditation.services.scopes import set_user_scope
from backoffice.core.accounts.roles import Role
from fixtures.demo import make_siret
from fixtures.reference import load_reference_data
from tests.accreditation.test_services__campaigns import draft
from tests.browser.test_browser__login import sign_in
from tests.browser.test_browser__pathway import choose, submit
from tests.factories import SiteFactory, UserFactory

TODAY = dt.date.today()
PDF = b"%PDF-1.4\n% piece\n%%EOF\n"


@pytest.fixture
def campaign_world(transactional_db, tmp_path):  # type: ignore[no-untyped-def]
    load_reference_data()
    site = SiteFactory(department=Department.objects.get(code="93"), name="Antenne de Bobigny")
    staff = UserFactory(
        username="directrice", first_name="Claire", last_name="Durand", role=Role.EVALUATOR_STAFF
    )
    set_user_scope(staff, organisation=site.organisation, actor=None)
    officer = UserFactory(username="officer.idf", role=Role.CASE_OFFICER)
    set_user_scope(officer, regions=[Region.objects.get(code="IDF")], actor=None)
    supervisor = UserFactory(username="superviseure", role=Role.SUPERVISOR)
    set_user_scope(supervisor, national=True, actor=None)
    campaign = move_campaign(draft(officer), "open", actor=officer)
    for name in ("kbis", "qualiopi"):
        (tmp_path / f"{name}.pdf").write_bytes(PDF + name.encode())
    return {"campaign": campaign, "organisation": site.organisation, "files": tmp_path}


def next_step(page: Page) -> None:
    before = page.url
    page.click("#next")
    try:
        page.wait_for_url(lambda url: url != before, timeout=10_000)
    except Exception as error:
        raise AssertionError(page.inner_text("main")[:2000]) from error


def take(page: Page, base: str, title: str) -> None:
    page.goto(f"{base}/instruction/queue/")
    page.click(f"tr:has-text('{title}') a[href*='/instruction/']")
    page.click("text=Attribuer et poursuivre")
    page.wait_for_url("**/execute/")


def test_an_application_goes_from_the_wizard_to_an_accreditation(browser, live_server, campaign_world):
    base, campaign = live_server.url, campaign_world["campaign"]
    siret = make_siret(campaign_world["organisation"].siren, 321)
    page = sign_in(browser, base, "directrice")
    page.goto(f"{base}/campagnes/{campaign.pk}/")
    page.click("#start-application")
    page.wait_for_url("**/etape/identite/")
    next_step(page)  # identity prefilled from the organisation
    page.click("#add-row")  # one more establishment than the one already known
    page.wait_for_selector("input[name='etablissements-1-siret']")
    page.fill("input[name='etablissements-1-siret']", siret)
    page.fill("input[name='etablissements-1-name']", "Antenne de Saint-Denis")
    page.fill("input[name='etablissements-1-address']", "1 rue de Paris")
    page.fill("input[name='etablissements-1-postcode']", "93200")
    page.fill("input[name='etablissements-1-city']", "Saint-Denis")
    page.fill("input[name='etablissements-1-departments']", "93")
    page.select_option("select[name='etablissements-1-evaluator_for']", "CLEA_NUM")
    page.select_option("select[name='etablissements-0-evaluator_for']", "CLEA_NUM")
    next_step(page)
    page.fill("input[name='qualiopi-number']", "QUA-2025-001")
    page.fill("input[name='qualiopi-expires_on']", (TODAY + dt.timedelta(days=400)).isoformat())
    next_step(page)
    page.select_option("select[name='intervenants-0-kind']", "assessor")
    page.fill("input[name='intervenants-0-last_name']", "Durand")
    page.fill("input[name='intervenants-0-first_name']", "Claire")
    page.fill("input[name='intervenants-0-qualifications']", "Formatrice d'adultes")
    next_step(page)
    page.fill("textarea[name='methodes-methods']", "Mises en situation professionnelles et entretiens.")
    next_step(page)
    page.fill("input[name='engagement-signatory']", "Claire Durand, directrice")
    page.check("input[name='engagement-accepted']")
    next_step(page)
    page.wait_for_url("**/campagnes/candidatures/*/")
    for category in ("kbis", "qualiopi"):
        page.select_option("#document-upload select[name='category']", category)
        page.set_input_files(
            "#document-upload input[name='file']", str(campaign_world["files"] / f"{category}.pdf")
        )
        page.click("#document-upload button")
        page.wait_for_selector("text=La pièce est ajoutée au dossier.")
    page.click("#submit-application")
    page.wait_for_selector("text=Votre dossier de candidature est déposé.")
    application = AccreditationApplication.objects.get()
    assert application.status == ApplicationStatus.SUBMITTED
    page.close()

    officer = sign_in(browser, base, "officer.idf")
    take(officer, base, "Vérification de complétude")
    choose(officer, "complete", "Oui : passer à l'instruction")
    submit(officer, "Exécuter")
    take(officer, base, "Instruction sur la grille")
    for criterion in campaign.criteria.all():
        officer.fill(f"input[name='score_{criterion.pk}']", str(criterion.max_score))
    officer.fill("textarea[name='recommendation']", "Avis favorable")
    submit(officer, "Exécuter")
    officer.close()

    supervisor = sign_in(browser, base, "superviseure")
    for step in ("Proposition au conseil", "Décision du conseil"):
        take(supervisor, base, step)
        submit(supervisor, "Exécuter")  # every scope accepted by default
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DECIDED
    assert Accreditation.objects.filter(site__siret=siret, certification__code="CLEA_NUM").exists()
    supervisor.close()
