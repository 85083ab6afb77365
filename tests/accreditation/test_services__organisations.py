"""Organisations, sites and the accreditation lifecycle, through their services."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accreditation.models import (
    Accreditation,
    AccreditationRole,
    AccreditationStatus,
    Certification,
    Department,
    Organisation,
    Region,
    Site,
    UserScope,
)
from accreditation.scoping import scope_of
from accreditation.services import (
    add_site,
    expire_accreditations,
    grant_accreditation,
    register_organisation,
    reinstate_accreditation,
    set_user_scope,
    suspend_accreditation,
    withdraw_accreditation,
)
from backoffice.core.audit.events import record, timeline
from backoffice.core.audit.models import AppendOnlyError, AuditEvent
from fixtures.demo import make_siren, make_siret
from tests.factories import AccreditationFactory, OrganisationFactory, SiteFactory, UserFactory

pytestmark = pytest.mark.django_db

OVERLAP_MESSAGE = (
    "Une habilitation de cet établissement pour cette certification et ce rôle couvre déjà "
    "tout ou partie de cette période."
)


def _counts() -> dict[str, int]:
    return {
        "organisations": Organisation.objects.count(),
        "sites": Site.objects.count(),
        "accreditations": Accreditation.objects.count(),
        "events": AuditEvent.objects.count(),
    }


def _verbs(subject) -> list[str]:  # type: ignore[no-untyped-def]
    return [event.verb for event in timeline(subject)]


@pytest.fixture
def clea() -> Certification:
    return Certification.objects.get(code="CLEA")


@pytest.fixture
def seine_saint_denis() -> Department:
    return Department.objects.get(code="93")


@pytest.fixture
def organisation() -> Organisation:
    return OrganisationFactory(siren=make_siren(random.Random(2024)))


@pytest.fixture
def site(seine_saint_denis) -> Site:  # type: ignore[no-untyped-def]
    return SiteFactory(department=seine_saint_denis, postcode="93200")


@pytest.fixture
def accreditation(site, clea, supervisor) -> Accreditation:  # type: ignore[no-untyped-def]
    return grant_accreditation(
        site,
        certification=clea,
        role=AccreditationRole.EVALUATOR,
        valid_from=timezone.localdate() - dt.timedelta(days=30),
        actor=supervisor,
    )


def _add_site(organisation: Organisation, actor, **overrides) -> Site:  # type: ignore[no-untyped-def]
    fields = {
        "siret": make_siret(organisation.siren, 1),
        "name": "  Antenne de Saint-Denis ",
        "address": "12 rue de la République",
        "postcode": "93200",
        "city": "Saint-Denis",
        "department": Department.objects.get(code="93"),
    }
    return add_site(organisation, actor=actor, **(fields | overrides))


# register_organisation


def test_registering_an_organisation_writes_an_audit_event(administrator):
    organisation = register_organisation(
        siren="732829320", legal_name="  Institut Avenir Formation ", nda="11755555575", actor=administrator
    )

    organisation.refresh_from_db()
    assert organisation.siren == "732829320"
    assert organisation.legal_name == "Institut Avenir Formation"
    [event] = timeline(organisation)
    assert event.verb == "organisation.registered"
    assert event.actor == administrator
    assert event.actor_label == "administrator"
    assert event.summary == "Organisme Institut Avenir Formation (SIREN 732829320) enregistré."


def test_it_rejects_an_organisation_whose_siren_has_a_wrong_check_digit_and_saves_nothing(administrator):
    before = _counts()

    with pytest.raises(ValidationError) as error:
        register_organisation(siren="732829321", legal_name="Institut Avenir", actor=administrator)

    assert error.value.message_dict["siren"] == [
        "Le SIREN 732829321 est invalide (clé de contrôle incorrecte)."
    ]
    assert _counts() == before
    assert not Organisation.objects.filter(siren="732829321").exists()


def test_it_rejects_a_siren_already_registered(administrator):
    first = register_organisation(siren="732829320", legal_name="Institut Avenir", actor=administrator)
    before = _counts()

    with pytest.raises(ValidationError) as error:
        register_organisation(siren="732829320", legal_name="Homonyme", actor=administrator)

    assert "existe déjà" in " ".join(error.value.message_dict["siren"])
    assert _counts() == before
    assert list(Organisation.objects.filter(siren="732829320")) == [first]


def test_it_rejects_an_nda_that_is_not_11_digits(administrator):
    before = _counts()

    with pytest.raises(ValidationError) as error:
        register_organisation(siren="732829320", legal_name="Institut", nda="1175555", actor=administrator)

    assert error.value.message_dict["nda"] == [
        "Le numéro de déclaration d'activité doit comporter 11 chiffres."
    ]
    assert _counts() == before


def test_register_organisation_accepts_a_siren_typed_with_spaces(administrator):
    # Organisation.clean() normalises the SIREN, so a number typed "732 829 320" is meant to be accepted.
    organisation = register_organisation(siren="732 829 320", legal_name="Institut", actor=administrator)

    organisation.refresh_from_db()
    assert organisation.siren == "732829320"


# add_site


def test_adding_a_site_derives_its_region_from_its_department_and_writes_an_audit_event(
    organisation, administrator
):
    site = _add_site(organisation, administrator)

    site.refresh_from_db()
    assert site.organisation == organisation
    assert site.name == "Antenne de Saint-Denis"
    assert site.department.code == "93"
    assert site.region == Region.objects.get(code="IDF")
    [event] = timeline(site)
    assert event.verb == "site.added"
    assert event.actor == administrator
    assert make_siret(organisation.siren, 1) in event.summary


def test_a_site_covers_its_own_department_by_default(organisation, administrator):
    site = _add_site(organisation, administrator)

    assert list(site.departments_covered.values_list("code", flat=True)) == ["93"]


def test_a_site_covers_the_departments_it_is_given(organisation, administrator):
    covered = list(Department.objects.filter(code__in=["93", "94", "95"]))

    site = _add_site(organisation, administrator, departments_covered=covered)

    assert sorted(site.departments_covered.values_list("code", flat=True)) == ["93", "94", "95"]


def test_a_site_in_corse_du_sud_is_accepted_with_its_postcode(organisation, administrator):
    site = _add_site(
        organisation,
        administrator,
        postcode="20000",
        city="Ajaccio",
        department=Department.objects.get(code="2A"),
    )

    site.refresh_from_db()
    assert site.department.code == "2A"
    assert site.region.code == "COR"


def test_it_rejects_a_siret_that_does_not_start_with_the_organisation_siren(organisation, administrator):
    other_siren = make_siren(random.Random(1))
    assert other_siren != organisation.siren
    before = _counts()

    with pytest.raises(ValidationError) as error:
        _add_site(organisation, administrator, siret=make_siret(other_siren, 1))

    assert error.value.message_dict["siret"] == [
        f"Le SIRET doit commencer par le SIREN de l'organisme ({organisation.siren})."
    ]
    assert _counts() == before


def test_it_rejects_a_siret_with_a_wrong_check_digit(organisation, administrator):
    valid = make_siret(organisation.siren, 1)
    wrong = valid[:-1] + str((int(valid[-1]) + 1) % 10)
    before = _counts()

    with pytest.raises(ValidationError) as error:
        _add_site(organisation, administrator, siret=wrong)

    assert error.value.message_dict["siret"] == [
        f"Le SIRET {wrong} est invalide (clé de contrôle incorrecte)."
    ]
    assert _counts() == before


def test_it_rejects_a_postcode_of_another_department(organisation, administrator):
    before = _counts()

    with pytest.raises(ValidationError) as error:
        _add_site(organisation, administrator, postcode="75011", city="Paris")

    [message] = error.value.message_dict["postcode"]
    assert message == "Le code postal 75011 ne correspond pas au département 93 – Seine-Saint-Denis."
    assert _counts() == before


def test_it_rejects_a_malformed_corsican_postcode_with_a_validation_error(organisation, administrator):
    before = _counts()

    with pytest.raises(ValidationError) as error:
        _add_site(organisation, administrator, postcode="2000A", department=Department.objects.get(code="2A"))

    assert "Le code postal doit comporter 5 chiffres." in error.value.message_dict["postcode"]
    assert _counts() == before


# grant_accreditation


@pytest.mark.parametrize(
    ("valid_from", "valid_to"),
    [
        (dt.date(2025, 1, 15), dt.date(2028, 1, 14)),
        (dt.date(2024, 1, 1), dt.date(2026, 12, 31)),
        (dt.date(2025, 3, 1), dt.date(2028, 2, 29)),
    ],
)
def test_an_accreditation_is_valid_3_years_by_default(site, clea, supervisor, valid_from, valid_to):
    accreditation = grant_accreditation(
        site, certification=clea, role=AccreditationRole.EVALUATOR, valid_from=valid_from, actor=supervisor
    )

    accreditation.refresh_from_db()
    assert accreditation.valid_to == valid_to
    assert accreditation.status == AccreditationStatus.ACTIVE
    [event] = timeline(accreditation)
    assert event.verb == "accreditation.granted"
    assert event.actor == supervisor
    assert event.data == {"valid_from": valid_from.isoformat(), "valid_to": valid_to.isoformat()}


@pytest.mark.parametrize(
    "valid_from",
    [dt.date(2025, 1, 1), dt.date(2027, 12, 31), dt.date(2024, 6, 1), dt.date(2026, 1, 1)],
    ids=["same period", "starts on the last day", "starts before", "starts inside"],
)
def test_it_rejects_a_period_overlapping_another_of_the_same_site_certification_and_role(
    site, clea, supervisor, valid_from
):
    # given an accreditation from 1 January 2025 to 31 December 2027
    grant_accreditation(
        site, certification=clea, role="evaluator", valid_from=dt.date(2025, 1, 1), actor=supervisor
    )
    before = _counts()

    with pytest.raises(ValidationError) as error:
        grant_accreditation(
            site, certification=clea, role="evaluator", valid_from=valid_from, actor=supervisor
        )

    assert error.value.messages == [OVERLAP_MESSAGE]
    assert _counts() == before


def test_a_later_period_that_does_not_overlap_is_accepted(site, clea, supervisor):
    first = grant_accreditation(
        site, certification=clea, role="evaluator", valid_from=dt.date(2025, 1, 1), actor=supervisor
    )

    renewal = grant_accreditation(
        site,
        certification=clea,
        role="evaluator",
        valid_from=first.valid_to + dt.timedelta(days=1),
        actor=supervisor,
    )

    assert renewal.valid_from == dt.date(2028, 1, 1)
    assert Accreditation.objects.filter(site=site).count() == 2


@pytest.mark.parametrize(
    ("certification_code", "role"),
    [("CLEA", AccreditationRole.TRAINER), ("CLEA_NUM", AccreditationRole.EVALUATOR)],
    ids=["another role", "another certification"],
)
def test_the_same_period_for_another_role_or_certification_is_accepted(
    site, clea, supervisor, certification_code, role
):
    grant_accreditation(
        site, certification=clea, role="evaluator", valid_from=dt.date(2025, 1, 1), actor=supervisor
    )

    other = grant_accreditation(
        site,
        certification=Certification.objects.get(code=certification_code),
        role=role,
        valid_from=dt.date(2025, 1, 1),
        actor=supervisor,
    )

    assert Accreditation.objects.filter(site=site).count() == 2
    assert _verbs(other) == ["accreditation.granted"]


def test_a_period_overlapping_a_withdrawn_accreditation_is_accepted(site, clea, supervisor):
    withdrawn = grant_accreditation(
        site, certification=clea, role="evaluator", valid_from=dt.date(2025, 1, 1), actor=supervisor
    )
    withdraw_accreditation(withdrawn, reason="Erreur de saisie", actor=supervisor)

    replacement = grant_accreditation(
        site, certification=clea, role="evaluator", valid_from=dt.date(2025, 1, 1), actor=supervisor
    )

    assert replacement.pk != withdrawn.pk
    assert replacement.status == AccreditationStatus.ACTIVE
    assert Accreditation.objects.filter(site=site).count() == 2


@pytest.mark.parametrize("days_before", [1, 365])
def test_it_rejects_a_validity_ending_before_it_starts(site, clea, supervisor, days_before):
    before = _counts()

    with pytest.raises(ValidationError) as error:
        grant_accreditation(
            site,
            certification=clea,
            role="evaluator",
            valid_from=dt.date(2025, 1, 1),
            valid_to=dt.date(2025, 1, 1) - dt.timedelta(days=days_before),
            actor=supervisor,
        )

    assert error.value.message_dict["valid_to"] == ["La fin de validité doit être postérieure au début."]
    assert _counts() == before


# suspend / reinstate / withdraw


@pytest.mark.parametrize("reason", ["", "   "])
@pytest.mark.parametrize(
    ("change", "starting_status"),
    [
        (suspend_accreditation, AccreditationStatus.ACTIVE),
        (reinstate_accreditation, AccreditationStatus.SUSPENDED),
        (withdraw_accreditation, AccreditationStatus.ACTIVE),
    ],
    ids=["suspend", "reinstate", "withdraw"],
)
def test_it_rejects_a_status_change_without_a_reason(
    accreditation, supervisor, change, starting_status, reason
):
    if starting_status == AccreditationStatus.SUSPENDED:
        suspend_accreditation(accreditation, reason="Contrôle en cours", actor=supervisor)
    before = _counts()

    with pytest.raises(ValidationError) as error:
        change(accreditation, reason=reason, actor=supervisor)

    assert error.value.message_dict == {"status_reason": ["Le motif est obligatoire."]}
    accreditation.refresh_from_db()
    assert accreditation.status == starting_status
    assert _counts() == before


def test_suspending_an_active_accreditation_records_the_reason_and_writes_an_audit_event(
    accreditation, supervisor
):
    returned = suspend_accreditation(
        accreditation, reason="  Contrôle qualité défavorable ", actor=supervisor
    )

    assert returned.status == AccreditationStatus.SUSPENDED
    accreditation.refresh_from_db()
    assert accreditation.status == AccreditationStatus.SUSPENDED
    assert accreditation.status_reason == "Contrôle qualité défavorable"
    assert accreditation.status_changed_on == timezone.localdate()
    assert _verbs(accreditation) == ["accreditation.granted", "accreditation.suspended"]
    event = timeline(accreditation).last()
    assert event.actor == supervisor
    assert event.actor_label == "supervisor"
    assert event.summary == "Habilitation suspendue : Contrôle qualité défavorable"
    assert event.data == {"from": "active", "to": "suspended", "on": timezone.localdate().isoformat()}


def test_reinstating_a_suspended_accreditation_makes_it_active_again(accreditation, supervisor):
    suspend_accreditation(accreditation, reason="Contrôle en cours", actor=supervisor)

    reinstate_accreditation(accreditation, reason="Contrôle levé", actor=supervisor)

    accreditation.refresh_from_db()
    assert accreditation.status == AccreditationStatus.ACTIVE
    assert accreditation.status_reason == "Contrôle levé"
    assert _verbs(accreditation) == [
        "accreditation.granted",
        "accreditation.suspended",
        "accreditation.reinstated",
    ]
    assert Accreditation.objects.in_force().filter(pk=accreditation.pk).exists()


def test_it_rejects_reinstating_an_active_accreditation(accreditation, supervisor):
    before = _counts()

    with pytest.raises(ValidationError) as error:
        reinstate_accreditation(accreditation, reason="Par erreur", actor=supervisor)

    assert error.value.messages == ["Une habilitation « active » ne peut pas être rétablie."]
    accreditation.refresh_from_db()
    assert accreditation.status == AccreditationStatus.ACTIVE
    assert accreditation.status_reason == ""
    assert _counts() == before


def test_it_rejects_suspending_a_withdrawn_accreditation(accreditation, supervisor):
    withdraw_accreditation(accreditation, reason="Cessation d'activité", actor=supervisor)

    with pytest.raises(ValidationError) as error:
        suspend_accreditation(accreditation, reason="Contrôle", actor=supervisor)

    assert error.value.messages == ["Une habilitation « retirée » ne peut pas être suspendue."]
    accreditation.refresh_from_db()
    assert accreditation.status == AccreditationStatus.WITHDRAWN
    assert accreditation.status_reason == "Cessation d'activité"
    assert _verbs(accreditation) == ["accreditation.granted", "accreditation.withdrawn"]


def test_a_suspended_accreditation_is_not_in_force(accreditation, supervisor):
    assert list(Accreditation.objects.in_force().filter(site=accreditation.site)) == [accreditation]

    suspend_accreditation(accreditation, reason="Contrôle en cours", actor=supervisor)

    assert not Accreditation.objects.in_force().filter(site=accreditation.site).exists()


# expire_accreditations

TODAY = dt.date(2025, 6, 15)


def test_expiring_marks_only_the_accreditations_whose_validity_has_ended(supervisor):
    ended = AccreditationFactory(valid_from=dt.date(2022, 6, 14), valid_to=dt.date(2025, 6, 14))
    ended_while_suspended = AccreditationFactory(
        valid_from=dt.date(2020, 1, 1), valid_to=dt.date(2022, 12, 31)
    )
    suspend_accreditation(ended_while_suspended, reason="Contrôle en cours", actor=supervisor)
    ending_today = AccreditationFactory(valid_from=dt.date(2022, 6, 16), valid_to=TODAY)
    future = AccreditationFactory(valid_from=dt.date(2025, 1, 1), valid_to=dt.date(2027, 12, 31))
    withdrawn = AccreditationFactory(valid_from=dt.date(2020, 1, 1), valid_to=dt.date(2022, 12, 31))
    withdraw_accreditation(withdrawn, reason="Cessation d'activité", actor=supervisor)

    count = expire_accreditations(today=TODAY)

    assert count == 2
    statuses = {
        name: Accreditation.objects.get(pk=accreditation.pk).status
        for name, accreditation in {
            "ended": ended,
            "ended_while_suspended": ended_while_suspended,
            "ending_today": ending_today,
            "future": future,
            "withdrawn": withdrawn,
        }.items()
    }
    assert statuses == {
        "ended": AccreditationStatus.EXPIRED,
        "ended_while_suspended": AccreditationStatus.EXPIRED,
        "ending_today": AccreditationStatus.ACTIVE,
        "future": AccreditationStatus.ACTIVE,
        "withdrawn": AccreditationStatus.WITHDRAWN,
    }
    ended.refresh_from_db()
    assert ended.status_changed_on == TODAY
    assert ended.status_reason == "Fin de la période de validité"
    [event] = timeline(ended)
    assert event.verb == "accreditation.expired"
    assert event.actor is None
    assert event.actor_label == "système"


def test_expiring_twice_expires_nothing_more_and_writes_no_second_event():
    ended = AccreditationFactory(valid_from=dt.date(2022, 1, 1), valid_to=dt.date(2024, 12, 31))
    assert expire_accreditations(today=TODAY) == 1
    events = AuditEvent.objects.count()

    count = expire_accreditations(today=TODAY)

    assert count == 0
    assert AuditEvent.objects.count() == events
    assert _verbs(ended) == ["accreditation.expired"]


# set_user_scope


def test_it_rejects_a_national_scope_limited_to_an_organisation(officer, supervisor, organisation):
    before = _counts()

    with pytest.raises(ValidationError) as error:
        set_user_scope(officer, national=True, organisation=organisation, actor=supervisor)

    assert (
        "Un périmètre est soit un organisme, soit des régions ou le national, pas les deux."
        in error.value.messages
    )
    scope = UserScope.objects.get(user=officer)
    assert scope.national is False
    assert scope.organisation is None
    assert list(scope.regions.values_list("code", flat=True)) == ["IDF"]
    assert _counts() == before


def test_it_creates_no_scope_when_refusing_a_national_scope_limited_to_an_organisation(
    supervisor, organisation
):
    newcomer = UserFactory(username="newcomer")

    with pytest.raises(ValidationError):
        set_user_scope(newcomer, national=True, organisation=organisation, actor=supervisor)

    assert not UserScope.objects.filter(user=newcomer).exists()
    assert _verbs(newcomer) == []


def test_changing_a_scope_writes_an_audit_event_on_the_user(officer, supervisor, ara):
    assert scope_of(officer).region_ids == {Region.objects.get(code="IDF").pk}

    set_user_scope(officer, regions=[ara], actor=supervisor)

    assert scope_of(officer).region_ids == {ara.pk}
    assert _verbs(officer) == ["scope.changed", "scope.changed"]
    event = timeline(officer).last()
    assert event.actor == supervisor
    assert event.summary == "Périmètre : Auvergne-Rhône-Alpes"
    assert event.data == {"national": False, "regions": ["ARA"], "organisation": None}


# The audit trail is append-only


@pytest.fixture
def event(organisation, administrator) -> AuditEvent:  # type: ignore[no-untyped-def]
    return record("organisation.updated", actor=administrator, subject=organisation, summary="Avant")


def test_an_audit_event_cannot_be_saved_again(event):
    event.summary = "Après"

    with pytest.raises(AppendOnlyError):
        event.save()

    assert AuditEvent.objects.get(pk=event.pk).summary == "Avant"


def test_an_audit_event_cannot_be_deleted(event):
    with pytest.raises(AppendOnlyError):
        event.delete()

    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.parametrize(
    "change",
    [
        lambda events, pk: events.filter(pk=pk).update(summary="Après"),
        lambda events, pk: events.update(summary="Après"),
        lambda events, pk: events.filter(pk=pk).delete(),
        lambda events, pk: events.all().delete(),
        lambda events, pk: events.bulk_update([AuditEvent(pk=pk, summary="Après")], ["summary"]),
    ],
    ids=["filter().update()", "update()", "filter().delete()", "all().delete()", "bulk_update()"],
)
def test_audit_events_cannot_be_changed_or_deleted_in_bulk(event, change):
    count = AuditEvent.objects.count()

    # the savepoint keeps the test's transaction usable: bulk_update() runs inside its own atomic block
    with pytest.raises(AppendOnlyError), transaction.atomic():
        change(AuditEvent.objects, event.pk)

    assert AuditEvent.objects.count() == count
    assert AuditEvent.objects.get(pk=event.pk).summary == "Avant"
