"""Accreditation campaigns: applications per state and the days spent in each, decisions per campaign,
sites accredited per region and certification, accreditations ending — on data with known answers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accreditation.models import AccreditationRole, Certification
from accreditation.services import answer_information_request, check_completeness, submit_application
from backoffice.core.audit.models import AuditEvent
from backoffice.dashboards.campaigns import states_table
from backoffice.dashboards.filters import Filters
from tests.accreditation.test_services__instruction import ready_to_submit
from tests.dashboards.helpers import table
from tests.factories import AccreditationFactory, SiteFactory

pytestmark = pytest.mark.django_db
URL = "/tableaux-de-bord/campagnes/"
T0 = timezone.now()


@pytest.fixture
def clock(monkeypatch):  # type: ignore[no-untyped-def]
    """The time events are recorded at, moved by the test."""
    moment = [T0]
    monkeypatch.setattr(AuditEvent._meta.get_field("occurred_at"), "_get_default", lambda: moment[0])
    return moment


def test_the_days_an_application_spends_in_each_state_come_from_its_trail(
    officer, evaluator, supervisor, clock
):
    application = submit_application(ready_to_submit(officer, evaluator), actor=evaluator)  # T0: submitted
    clock[0] = T0 + dt.timedelta(days=2)
    answer_by = timezone.localdate() + dt.timedelta(days=30)
    check_completeness(application, complete=False, message="Qualiopi", answer_by=answer_by, actor=officer)
    clock[0] = T0 + dt.timedelta(days=5)
    answer_information_request(application, response="Voici l'attestation.", actor=evaluator)
    clock[0] = T0 + dt.timedelta(days=6)
    check_completeness(application, complete=True, actor=officer)

    rows = {
        row[0]: row[1:]
        for row in states_table(supervisor, Filters(region_ids=None), now=T0 + dt.timedelta(days=10)).rows
    }

    assert rows["Déposé, à vérifier"] == [0, 2, 1.5]  # 2 days, then 1 day after the answer
    assert rows["Complément demandé (délai suspendu)"] == [0, 1, 3.0]
    assert rows["En instruction"] == [1, 1, 4.0]  # still there: 4 days so far
    assert rows["Décidé"] == [0, None, None]


def test_sites_accredited_per_region_and_certification_and_the_endings_by_month(
    client_for, supervisor, idf_site, ara_site, idf
):
    today = timezone.localdate()
    clea_num = Certification.objects.get(code="CLEA_NUM")
    AccreditationFactory(site=idf_site, certification=clea_num)  # idf_site: CléA (fixture) and CléA numérique
    other_idf = SiteFactory(department=idf_site.department)
    AccreditationFactory(site=other_idf, valid_to=today + dt.timedelta(days=40))
    AccreditationFactory(site=other_idf, role=AccreditationRole.TRAINER)  # a trainer: not counted

    response = client_for(supervisor).get(URL)

    rows = {row[0]: row[1:] for row in table(response, "habilitations")}
    assert rows["Île-de-France"] == ["2", "0", "1", "2"]  # CLEA, CLEA_MGT, CLEA_NUM, sites
    assert rows["Auvergne-Rhône-Alpes"] == ["1", "0", "0", "1"]
    ending = table(response, "echeances")
    month = today + dt.timedelta(days=40)
    assert [f"{month:%m/%Y}", "1"] in ending and len(ending) == 13

    regional = client_for(supervisor).get(URL, {"region": idf.pk})
    assert [row[0] for row in table(regional, "habilitations")] == ["Île-de-France"]


def test_organisation_staff_cannot_open_the_campaigns_dashboard(client_for, evaluator):
    assert client_for(evaluator).get(URL).status_code == 403
