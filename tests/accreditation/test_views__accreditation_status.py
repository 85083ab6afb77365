"""Supervisors suspend, reinstate or withdraw an accreditation with a reason; the pathway follows at once."""

from __future__ import annotations

import datetime as dt
from html import unescape

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accreditation.models import Accreditation, AccreditationStatus
from accreditation.services import suspend_accreditation
from casefiles.services import open_case_file

pytestmark = pytest.mark.django_db
CANDIDATE = {
    "last_name": "Roux",
    "first_name": "Léo",
    "birth_date": dt.date(1990, 1, 1),
    "postcode": "93200",
    "status": "employee",
}


def test_a_supervisor_suspends_and_the_evaluator_can_no_longer_open_files(
    client_for, supervisor, evaluator, idf_site
):
    accreditation = idf_site.accreditations.get()
    response = client_for(supervisor).post(
        f"/annuaire/habilitations/{accreditation.pk}/statut/",
        {"to": "suspended", "reason": "Contrôle qualité en cours"},
        follow=True,
    )
    assert "L'habilitation est suspendue." in unescape(response.content.decode())
    accreditation.refresh_from_db()
    assert accreditation.status == AccreditationStatus.SUSPENDED
    with pytest.raises(ValidationError, match="n'est pas habilité"):
        open_case_file(
            site=idf_site,
            certification=accreditation.certification,
            opened_on=dt.date.today(),
            candidate_data=CANDIDATE,
            actor=evaluator,
        )

    client_for(supervisor).post(
        f"/annuaire/habilitations/{accreditation.pk}/statut/", {"to": "active", "reason": "Contrôle conforme"}
    )
    accreditation.refresh_from_db()
    assert accreditation.status == AccreditationStatus.ACTIVE


def test_a_reason_is_required_and_officers_cannot_change_the_status(
    client_for, supervisor, officer, idf_site
):
    accreditation = idf_site.accreditations.get()
    response = client_for(supervisor).post(
        f"/annuaire/habilitations/{accreditation.pk}/statut/", {"to": "withdrawn", "reason": ""}, follow=True
    )
    assert "Le motif est obligatoire." in unescape(response.content.decode())
    client_for(officer).post(
        f"/annuaire/habilitations/{accreditation.pk}/statut/", {"to": "withdrawn", "reason": "x"}
    )
    with pytest.raises(PermissionDenied):
        suspend_accreditation(accreditation, reason="x", actor=officer)
    accreditation.refresh_from_db()
    assert accreditation.status == AccreditationStatus.ACTIVE


def test_an_accreditation_outside_the_scope_is_not_found(
    client_for, officer_of_other_region, evaluator, idf_site
):
    accreditation = idf_site.accreditations.get()
    for outsider in (officer_of_other_region,):
        response = client_for(outsider).post(
            f"/annuaire/habilitations/{accreditation.pk}/statut/", {"to": "suspended", "reason": "x"}
        )
        assert response.status_code == 404


def test_a_supervisor_dates_a_suspension_on_the_day_it_took_effect(client_for, supervisor, idf_site):
    accreditation = idf_site.accreditations.get()
    suspended_on = accreditation.valid_from + dt.timedelta(days=10)
    client_for(supervisor).post(
        f"/annuaire/habilitations/{accreditation.pk}/statut/",
        {"to": "suspended", "reason": "Audit défavorable", "on": suspended_on.isoformat()},
    )

    accreditation.refresh_from_db()
    assert accreditation.status == "suspended" and accreditation.status_changed_on == suspended_on
    assert not Accreditation.objects.in_force(on=suspended_on).filter(pk=accreditation.pk).exists()
    day_before = suspended_on - dt.timedelta(days=1)
    assert Accreditation.objects.in_force(on=day_before).filter(pk=accreditation.pk).exists()


def test_a_suspension_dated_tomorrow_is_refused_in_french(client_for, supervisor, idf_site):
    accreditation = idf_site.accreditations.get()
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    response = client_for(supervisor).post(
        f"/annuaire/habilitations/{accreditation.pk}/statut/",
        {"to": "suspended", "reason": "Audit", "on": tomorrow.isoformat()},
        follow=True,
    )

    assert "ne peut pas être dans le futur" in response.content.decode()
    accreditation.refresh_from_db()
    assert accreditation.status == "active"
