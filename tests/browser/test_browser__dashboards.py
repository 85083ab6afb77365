"""A supervisor opens the dashboards in a real browser: the charts are drawn by the project's own Chart.js,
under the page's policy (no inline script), with no error in the console."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from accreditation.models import Certification, Department
from accreditation.services import set_user_scope
from backoffice.core.accounts.roles import Role
from casefiles.services import open_case_file
from fixtures.reference import load_reference_data
from tests.browser.test_browser__login import sign_in
from tests.factories import AccreditationFactory, SiteFactory, UserFactory
from tests.workflows.conftest import start_in_bulk


def test_a_supervisor_sees_the_backlog_chart_and_its_table(browser, live_server, transactional_db):
    load_reference_data()  # the live server reads committed rows
    site = SiteFactory(department=Department.objects.get(code="93"))
    AccreditationFactory(site=site)
    staff = UserFactory(username="staff.idf", role=Role.EVALUATOR_STAFF)
    set_user_scope(staff, organisation=site.organisation, actor=None)
    supervisor = UserFactory(username="supervisor.all", role=Role.SUPERVISOR)
    set_user_scope(supervisor, national=True, actor=None)
    files = [
        open_case_file(
            site=site,
            certification=Certification.objects.get(code="CLEA"),
            opened_on=timezone.localdate() - dt.timedelta(days=2),
            candidate_data={
                "last_name": name,
                "first_name": "Test",
                "birth_date": dt.date(1990, 1, 1),
                "status": "jobseeker",
                "postcode": "93200",
            },
            actor=staff,
        )
        for name in ("Un", "Deux", "Trois")
    ]
    start_in_bulk(files)

    page = sign_in(browser, live_server.url, "supervisor.all")
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/tableaux-de-bord/stocks/")

    page.wait_for_selector("canvas[data-chart='chart-etapes'][data-drawn='1']")
    assert page.evaluate("typeof window.Chart") == "function"
    assert "Évaluation préalable" in page.inner_text("[data-table='etapes']")
    assert page.evaluate("document.querySelector(\"canvas[data-chart='chart-etapes']\").width") > 0
    for path in ("flux", "resultats", "campagnes", "charge"):
        page.goto(f"{live_server.url}/tableaux-de-bord/{path}/")
        assert page.locator("h2.vf-card__title").first.is_visible()
    assert errors == []
