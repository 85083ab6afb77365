"""An evaluation organisation takes a candidate from opening to the jury, in a real browser."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page

from accreditation.models import AccreditationRole, Certification, Department, Region, SubDomain
from accreditation.services import set_user_scope
from backoffice.core.accounts.roles import Role
from casefiles.models import CaseFile, CaseFileState
from fixtures.reference import load_reference_data
from tests.browser.test_browser__login import sign_in
from tests.factories import AccreditationFactory, SiteFactory, UserFactory

TODAY = dt.date.today()


@pytest.fixture
def organisation_world(transactional_db):  # type: ignore[no-untyped-def]
    load_reference_data()
    site = SiteFactory(department=Department.objects.get(code="93"), name="Antenne de Bobigny")
    AccreditationFactory(site=site)
    training = SiteFactory(department=Department.objects.get(code="75"), name="Centre de formation Paris")
    AccreditationFactory(site=training, role=AccreditationRole.TRAINER)
    staff = UserFactory(
        username="evaluatrice", first_name="Inès", last_name="Moreau", role=Role.EVALUATOR_STAFF
    )
    set_user_scope(staff, organisation=site.organisation, actor=None)
    trainer = UserFactory(username="formatrice", first_name="Zoé", last_name="Blanc", role=Role.TRAINER_STAFF)
    set_user_scope(trainer, organisation=training.organisation, actor=None)
    officer = UserFactory(username="officer.idf", role=Role.CASE_OFFICER)
    set_user_scope(officer, regions=[Region.objects.get(code="IDF")], actor=None)
    return {"site": site, "training": training, "staff": staff, "trainer": trainer}


def choose(page: Page, name: str, label: str) -> None:
    """Pick an option of a Material select by its visible label."""
    page.click(f"vf-field-select[name='{name}'] .mdc-select__anchor")
    page.click(f"vf-field-select[name='{name}'] li:has-text(\"{label}\")")


def take_next_task(page: Page, base: str, title: str) -> None:
    page.goto(f"{base}/parcours/queue/")
    page.click(f"tr:has-text('{title}') a[href*='/parcours/']")
    page.click("text=Attribuer et poursuivre")
    page.wait_for_url("**/execute/")


def submit(page: Page, label: str) -> None:
    """Press the form's button and leave the form page; if the form stays, show why."""
    form_url = page.url
    page.get_by_role("button", name=label, exact=True).click()
    try:
        page.wait_for_url(lambda url: url != form_url, timeout=10_000)
    except Exception as error:
        raise AssertionError(page.inner_text("main")[:2000]) from error


def mark(page: Page, code: str, acquired: bool) -> None:
    option = page.locator(
        f"vf-field-radio-select[name='sd_{code}'] input[value='{'A' if acquired else 'NA'}']"
    )
    option.locator("xpath=..").click()


def test_a_candidate_goes_from_opening_through_training_to_the_jury(browser, live_server, organisation_world):
    base = live_server.url
    page = sign_in(browser, base, "evaluatrice")

    page.goto(f"{base}/parcours/open_file/")
    choose(page, "site", "Antenne de Bobigny")
    choose(page, "certification", "Certification CléA")
    page.fill("input[name='opened_on']", (TODAY - dt.timedelta(days=30)).isoformat())
    page.fill("input[name='last_name']", "Benali")
    page.fill("input[name='first_name']", "Yasmine")
    page.fill("input[name='birth_date']", "1997-05-14")
    page.fill("input[name='postcode']", "93000")
    choose(page, "status", "Demandeur·se d'emploi")
    submit(page, "Commencer")
    case_file = CaseFile.objects.get(candidate__last_name="Benali")

    take_next_task(page, base, "BENALI")
    page.fill("input[name='assessed_on']", (TODAY - dt.timedelta(days=25)).isoformat())
    choose(page, "assessor", "Inès Moreau")
    for subdomain in SubDomain.objects.filter(domain__framework_version=case_file.framework_version):
        mark(page, subdomain.code, acquired=not subdomain.code.startswith("D1."))
    submit(page, "Exécuter")
    case_file.refresh_from_db()
    assert case_file.state == CaseFileState.TRAINING

    take_next_task(page, base, "BENALI")
    choose(page, "training_site", "Centre de formation Paris")
    choose(page, "trainer", "Zoé Blanc")
    page.fill("input[name='hours']", "30")
    page.fill("input[name='starts_on']", (TODAY - dt.timedelta(days=20)).isoformat())
    page.fill("input[name='ends_on']", (TODAY - dt.timedelta(days=5)).isoformat())
    submit(page, "Exécuter")

    take_next_task(page, base, "BENALI")
    page.fill("input[name='assessed_on']", TODAY.isoformat())
    choose(page, "assessor", "Inès Moreau")
    for subdomain in SubDomain.objects.filter(
        domain__framework_version=case_file.framework_version, domain__code="D1"
    ):
        mark(page, subdomain.code, acquired=True)
    submit(page, "Exécuter")

    page.goto(f"{base}/candidats/dossiers/{case_file.pk}/detail/")
    assert "Prêt pour le jury" in page.inner_text("main")
    case_file.refresh_from_db()
    assert case_file.state == CaseFileState.READY_FOR_JURY
    assert Certification.objects.filter(code="CLEA").exists()
