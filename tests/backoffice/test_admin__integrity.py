"""The admin cannot rewrite history: no unaudited deletes, frozen published frameworks, scopes fit roles."""

from __future__ import annotations

from html import unescape

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.urls import reverse

from accreditation.models import (
    Accreditation,
    Certification,
    Criterion,
    Department,
    Domain,
    FrameworkVersion,
    Organisation,
    Site,
    UserScope,
)
from accreditation.services import draft_framework_version_from, set_user_scope
from backoffice.core.audit.events import timeline
from tests.factories import SiteFactory

pytestmark = pytest.mark.django_db


def _published_clea() -> FrameworkVersion:
    return FrameworkVersion.objects.get(certification__code="CLEA", status="published")


@pytest.mark.parametrize(
    ("model", "pick"),
    [
        (Accreditation, lambda site: site.accreditations.get()),
        (Site, lambda site: site),
        (Organisation, lambda site: site.organisation),
        (UserScope, lambda site: UserScope.objects.first()),
        (Group, lambda site: Group.objects.first()),
    ],
    ids=lambda value: getattr(value, "__name__", ""),
)
def test_admin_refuses_to_delete_records_that_carry_history(
    client_for, administrator, officer, idf_site, model, pick
):
    obj = pick(idf_site)
    opts = model._meta
    response = client_for(administrator).post(
        reverse(f"admin:{opts.app_label}_{opts.model_name}_delete", args=[obj.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert model.objects.filter(pk=obj.pk).exists()


def test_published_framework_is_read_only_in_the_admin(client_for, administrator):
    clea = _published_clea()
    client = client_for(administrator)
    change = client.post(
        reverse("admin:accreditation_frameworkversion_change", args=[clea.pk]),
        {"version": "1999", "label": "Renommé", "certification": clea.certification_id},
    )
    delete = client.post(
        reverse("admin:accreditation_frameworkversion_delete", args=[clea.pk]), {"post": "yes"}
    )
    criterion = Criterion.objects.filter(subdomain__domain__framework_version=clea).first()
    delete_criterion = client.post(
        reverse("admin:accreditation_criterion_delete", args=[criterion.pk]), {"post": "yes"}
    )

    assert (change.status_code, delete.status_code, delete_criterion.status_code) == (403, 403, 403)
    clea.refresh_from_db()
    assert (clea.version, clea.label) == ("2018", "Référentiel CléA 2018")
    assert Criterion.objects.filter(pk=criterion.pk).exists()


def test_bulk_delete_of_published_criteria_is_refused(client_for, administrator):
    clea = _published_clea()
    ids = list(
        Criterion.objects.filter(subdomain__domain__framework_version=clea).values_list("pk", flat=True)[:3]
    )
    response = client_for(administrator).post(
        reverse("admin:accreditation_criterion_changelist"),
        {"action": "delete_selected", "_selected_action": ids, "post": "yes"},
    )
    assert response.status_code in (200, 403)
    assert Criterion.objects.filter(pk__in=ids).count() == 3


def test_editing_a_draft_domain_inline_is_audited(client_for, administrator):
    draft = draft_framework_version_from(
        _published_clea(), version="2027", label="Brouillon", actor=administrator
    )
    domains = list(draft.domains.order_by("position"))
    data = {
        "certification": draft.certification_id,
        "version": "2027",
        "label": "Brouillon",
        "domains-TOTAL_FORMS": len(domains),
        "domains-INITIAL_FORMS": len(domains),
        "domains-MIN_NUM_FORMS": 0,
        "domains-MAX_NUM_FORMS": 1000,
    }
    for index, domain in enumerate(domains):
        data |= {
            f"domains-{index}-id": domain.pk,
            f"domains-{index}-framework_version": draft.pk,
            f"domains-{index}-position": domain.position,
            f"domains-{index}-code": domain.code,
            f"domains-{index}-label": domain.label,
        }
    data["domains-0-label"] = "La communication en français (revu)"

    response = client_for(administrator).post(
        reverse("admin:accreditation_frameworkversion_change", args=[draft.pk]), data
    )

    assert response.status_code == 302, unescape(response.content.decode())[-2000:]
    d1 = Domain.objects.get(pk=domains[0].pk)
    assert d1.label == "La communication en français (revu)"
    assert [e.verb for e in timeline(d1)] == ["domain.updated"]


def test_site_coverage_set_in_the_admin_goes_through_the_service(client_for, administrator, idf_site):
    seine_st_denis, val_de_marne = Department.objects.get(code="93"), Department.objects.get(code="94")
    data = {
        "organisation": idf_site.organisation.pk,
        "siret": idf_site.siret,
        "name": idf_site.name,
        "address": idf_site.address,
        "postcode": idf_site.postcode,
        "city": idf_site.city,
        "department": seine_st_denis.pk,
        "departments_covered": [seine_st_denis.pk, val_de_marne.pk],
    }

    response = client_for(administrator).post(
        reverse("admin:accreditation_site_change", args=[idf_site.pk]), data
    )

    assert response.status_code == 302, unescape(response.content.decode())[-2000:]
    assert set(idf_site.departments_covered.values_list("code", flat=True)) == {"93", "94"}
    event = timeline(idf_site).filter(verb="site.updated").get()
    assert event.data["departments_covered"]["après"] == "93, 94"


def test_a_far_future_start_date_gives_a_french_error_not_a_crash(client_for, administrator, idf_site):
    response = client_for(administrator).post(
        reverse("admin:accreditation_accreditation_add"),
        {
            "site": idf_site.pk,
            "certification": Certification.objects.get(code="CLEA_NUM").pk,
            "role": "evaluator",
            "valid_from": "31/12/9999",
            "valid_to": "",
        },
    )
    assert response.status_code == 200
    assert "année trop lointaine" in unescape(response.content.decode())
    assert idf_site.accreditations.count() == 1


@pytest.mark.parametrize(
    ("persona", "kwargs", "message"),
    [
        ("evaluator", {"regions": "ara"}, "ont des régions"),
        ("jury_member", {"national": True}, "périmètre national"),
        ("officer", {"organisation": True}, "rattaché à un organisme"),
    ],
)
def test_a_scope_must_fit_the_persons_role(request, supervisor, idf_site, ara, persona, kwargs, message):
    user = request.getfixturevalue(persona)
    before = list(UserScope.objects.filter(user=user).values_list("national", "organisation_id"))
    arguments = {"regions": [ara]} if kwargs.get("regions") else {}
    arguments |= {"national": True} if kwargs.get("national") else {}
    arguments |= {"organisation": idf_site.organisation} if kwargs.get("organisation") else {}

    with pytest.raises(ValidationError) as error:
        set_user_scope(user, actor=supervisor, **arguments)

    assert any(message in text for text in error.value.messages)
    assert list(UserScope.objects.filter(user=user).values_list("national", "organisation_id")) == before


def test_scope_admin_refuses_regions_for_organisation_staff(client_for, administrator, evaluator, ara):
    scope = UserScope.objects.get(user=evaluator)
    response = client_for(administrator).post(
        reverse("admin:accreditation_userscope_change", args=[scope.pk]),
        {"national": "", "regions": [ara.pk], "organisation": scope.organisation_id},
    )
    assert response.status_code == 200
    assert "pas les deux" in unescape(response.content.decode())
    assert not scope.regions.exists()


def test_password_reset_by_an_administrator_is_audited(client_for, administrator, officer):
    response = client_for(administrator).post(
        reverse("admin:auth_user_password_change", args=[officer.pk]),
        {"password1": "Un-nouveau-mot-de-passe-2026", "password2": "Un-nouveau-mot-de-passe-2026"},
    )
    assert response.status_code == 302
    assert timeline(officer).filter(verb="user.password_changed", actor=administrator).exists()


def test_site_added_in_the_admin_without_coverage_covers_its_own_department(
    client_for, administrator, idf_site
):
    from fixtures.demo import make_siret

    response = client_for(administrator).post(
        reverse("admin:accreditation_site_add"),
        {
            "organisation": idf_site.organisation.pk,
            "siret": make_siret(idf_site.organisation.siren, 4242),
            "name": "Antenne de Bobigny",
            "address": "1 rue de Paris",
            "postcode": "93000",
            "city": "Bobigny",
            "department": Department.objects.get(code="93").pk,
        },
    )
    assert response.status_code == 302, unescape(response.content.decode())[-2000:]
    site = Site.objects.get(name="Antenne de Bobigny")
    assert list(site.departments_covered.values_list("code", flat=True)) == ["93"]


def test_outsider_site_factory_is_outside_ile_de_france():
    # Guard for the scoping tests: department 69 is in Auvergne-Rhône-Alpes.
    assert SiteFactory(department=Department.objects.get(code="69")).region.code == "ARA"
