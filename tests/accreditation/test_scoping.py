from __future__ import annotations

import pytest

from accreditation import selectors
from accreditation.scoping import scope_of
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_officer_sees_only_the_organisations_sites_and_accreditations_of_their_region(
    officer, idf_site, ara_site
):
    assert list(selectors.organisations_for(officer)) == [idf_site.organisation]
    assert list(selectors.sites_for(officer)) == [idf_site]
    assert {a.site_id for a in selectors.accreditations_for(officer)} == {idf_site.pk}


def test_officer_of_other_region_sees_nothing_of_ile_de_france(officer_of_other_region, idf_site, ara_site):
    assert idf_site.organisation not in selectors.organisations_for(officer_of_other_region)
    assert list(selectors.sites_for(officer_of_other_region)) == [ara_site]


def test_evaluator_sees_only_their_organisation(
    evaluator, idf_site, ara_site, evaluator_of_other_organisation
):
    assert list(selectors.organisations_for(evaluator)) == [idf_site.organisation]
    assert list(selectors.sites_for(evaluator)) == [idf_site]


def test_evaluator_of_other_organisation_sees_nothing_of_ours(evaluator_of_other_organisation, idf_site):
    assert idf_site.organisation not in selectors.organisations_for(evaluator_of_other_organisation)
    assert idf_site not in selectors.sites_for(evaluator_of_other_organisation)
    assert not selectors.accreditations_for(evaluator_of_other_organisation).filter(site=idf_site).exists()


def test_organisation_with_several_sites_in_and_out_of_the_region_is_listed_once(officer, idf_site):
    from accreditation.models import Department
    from tests.factories import SiteFactory

    SiteFactory(organisation=idf_site.organisation, department=Department.objects.get(code="75"))
    SiteFactory(organisation=idf_site.organisation, department=Department.objects.get(code="69"))
    assert list(selectors.organisations_for(officer)) == [idf_site.organisation]
    assert selectors.sites_for(officer).count() == 2  # the Lyon site stays outside the officer's view


def test_supervisor_sees_every_region(supervisor, idf_site, ara_site):
    assert set(selectors.sites_for(supervisor)) == {idf_site, ara_site}
    assert selectors.regions_for(supervisor).count() == 18


def test_user_without_scope_sees_nothing(idf_site):
    nobody = UserFactory(username="nobody")
    assert scope_of(nobody).is_empty
    assert not selectors.organisations_for(nobody).exists()
    assert not selectors.sites_for(nobody).exists()
    assert not selectors.accreditations_for(nobody).exists()


def test_inactive_user_loses_their_scope(officer, idf_site):
    officer.is_active = False
    assert not selectors.sites_for(officer).exists()


def test_region_summaries_count_only_accreditations_in_force(supervisor, idf_site):
    from accreditation.services import suspend_accreditation

    suspend_accreditation(idf_site.accreditations.get(), reason="Contrôle", actor=supervisor)
    idf = selectors.region_summaries(supervisor).get(code="IDF")
    assert (idf.organisation_count, idf.site_count, idf.accreditation_count) == (1, 1, 0)
