from __future__ import annotations

import datetime as dt
from html import unescape

import pytest
from django.contrib import admin
from django.urls import reverse

from accreditation.models import (
    Accreditation,
    AccreditationStatus,
    Certification,
    Department,
    FrameworkStatus,
    Organisation,
)
from accreditation.services.frameworks import create_framework_version
from backoffice.core.audit.events import timeline
from tests.factories import SiteFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", list(admin.site._registry), ids=lambda m: m._meta.label)
def test_administrator_opens_every_admin_list_and_add_page(client_for, administrator, idf_site, model):
    client = client_for(administrator)
    opts = model._meta
    assert client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")).status_code == 200
    add = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
    assert add.status_code in (200, 403)  # 403 where adding is forbidden (audit events)


def test_adding_an_organisation_in_the_admin_goes_through_the_service(client_for, administrator):
    response = client_for(administrator).post(
        reverse("admin:accreditation_organisation_add"),
        {
            "siren": "732 829 320",
            "legal_name": "Organisme Test",
            "nda": "11755555555",
            "sites-TOTAL_FORMS": 0,
            "sites-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302, unescape(response.content.decode())[:2000]
    organisation = Organisation.objects.get(siren="732829320")
    assert [e.verb for e in timeline(organisation)] == ["organisation.registered"]
    assert timeline(organisation).get().actor == administrator


def test_admin_refuses_a_site_whose_postcode_is_outside_its_department(client_for, administrator, idf_site):
    response = client_for(administrator).post(
        reverse("admin:accreditation_site_add"),
        {
            "organisation": idf_site.organisation.pk,
            "siret": idf_site.siret[:9] + "99990",
            "name": "Antenne",
            "address": "1 rue de la Paix",
            "postcode": "75011",
            "city": "Paris",
            "department": Department.objects.get(code="93").pk,
        },
    )
    assert response.status_code == 200
    page = unescape(response.content.decode())
    assert "ne correspond pas au département" in page or "SIRET" in page
    assert idf_site.organisation.sites.count() == 1


def test_admin_suspends_an_accreditation_with_a_reason(client_for, administrator, idf_site):
    accreditation = idf_site.accreditations.get()
    client = client_for(administrator)
    url = reverse("admin:accreditation_accreditation_changelist")

    ask = client.post(url, {"action": "suspend_accreditation", "_selected_action": [accreditation.pk]})
    assert "Motif" in unescape(ask.content.decode())
    client.post(
        url,
        {
            "action": "suspend_accreditation",
            "_selected_action": [accreditation.pk],
            "apply": "1",
            "reason": "Contrôle qualité",
        },
    )

    accreditation.refresh_from_db()
    assert accreditation.status == AccreditationStatus.SUSPENDED
    assert accreditation.status_reason == "Contrôle qualité"
    assert timeline(accreditation).last().actor == administrator


def test_admin_grants_an_accreditation_with_the_default_three_years(client_for, administrator):
    site = SiteFactory(department=Department.objects.get(code="75"))
    clea = Certification.objects.get(code="CLEA")
    response = client_for(administrator).post(
        reverse("admin:accreditation_accreditation_add"),
        {
            "site": site.pk,
            "certification": clea.pk,
            "role": "evaluator",
            "valid_from": "01/09/2026",
            "valid_to": "",
        },
    )
    assert response.status_code == 302, unescape(response.content.decode())[:3000]
    accreditation = Accreditation.objects.get(site=site)
    assert accreditation.valid_to == dt.date(2029, 8, 31)
    assert [e.verb for e in timeline(accreditation)] == ["accreditation.granted"]


def test_admin_publish_action_refuses_an_incomplete_draft(client_for, administrator):
    draft = create_framework_version(
        {
            "certification": "CLEA_MGT",
            "version": "x",
            "label": "Incomplet",
            "domains": [{"code": "M1", "label": "Organiser", "subdomains": []}],
        },
        actor=administrator,
    )
    response = client_for(administrator).post(
        reverse("admin:accreditation_frameworkversion_changelist"),
        {"action": "publish", "_selected_action": [draft.pk]},
        follow=True,
    )
    assert "Le domaine M1 ne contient aucun sous-domaine." in unescape(response.content.decode())
    draft.refresh_from_db()
    assert draft.status == FrameworkStatus.DRAFT


def test_administrator_drafts_a_new_version_from_the_published_one(client_for, administrator):
    from accreditation.models import FrameworkVersion, SubDomain

    published = FrameworkVersion.objects.get(certification__code="CLEA", status=FrameworkStatus.PUBLISHED)
    url = reverse("admin:accreditation_frameworkversion_changelist")
    client = client_for(administrator)

    ask = client.post(url, {"action": "draft_copy", "_selected_action": [published.pk]})
    assert "Nouvelle version" in unescape(ask.content.decode())
    client.post(
        url,
        {
            "action": "draft_copy",
            "_selected_action": [published.pk],
            "apply": "1",
            "version": "2027",
            "label": "Référentiel CléA 2027",
        },
    )

    draft = FrameworkVersion.objects.get(certification__code="CLEA", version="2027")
    assert draft.status == FrameworkStatus.DRAFT
    assert SubDomain.objects.filter(domain__framework_version=draft).count() == 28
    published.refresh_from_db()
    assert published.status == FrameworkStatus.PUBLISHED


def test_drafting_an_existing_version_number_is_refused(client_for, administrator):
    from accreditation.models import FrameworkVersion

    published = FrameworkVersion.objects.get(certification__code="CLEA", status=FrameworkStatus.PUBLISHED)
    before = FrameworkVersion.objects.count()
    response = client_for(administrator).post(
        reverse("admin:accreditation_frameworkversion_changelist"),
        {
            "action": "draft_copy",
            "_selected_action": [published.pk],
            "apply": "1",
            "version": published.version,
            "label": "Doublon",
        },
        follow=True,
    )
    assert FrameworkVersion.objects.count() == before
    assert "existe déjà" in unescape(response.content.decode())


def test_giving_a_role_in_the_admin_is_recorded_in_the_audit_trail(client_for, administrator, officer):
    from django.contrib.auth.models import Group

    supervisor_group = Group.objects.get(name="Superviseur·e")
    officer_group = Group.objects.get(name="Chargé·e d'instruction")
    response = client_for(administrator).post(
        reverse("admin:accounts_user_change", args=[officer.pk]),
        {
            "username": officer.username,
            "first_name": officer.first_name,
            "last_name": officer.last_name,
            "email": officer.email,
            "is_active": "on",
            "groups": [officer_group.pk, supervisor_group.pk],
            "date_joined_0": "01/01/2026",
            "date_joined_1": "10:00:00",
            "scope-TOTAL_FORMS": 1,
            "scope-INITIAL_FORMS": 1,
            "scope-MIN_NUM_FORMS": 0,
            "scope-MAX_NUM_FORMS": 1,
            "scope-0-id": officer.scope.pk,
            "scope-0-user": officer.pk,
        },
    )
    assert response.status_code == 302, unescape(response.content.decode())[-3000:]
    event = timeline(officer).filter(verb="user.roles_changed").get()
    assert event.actor == administrator
    assert "Superviseur·e" in event.data["après"]
