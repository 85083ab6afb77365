from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import AccreditationFactory, SiteFactory

pytestmark = pytest.mark.django_db

LISTS = ["annuaire:organismes:index", "annuaire:etablissements:index", "annuaire:habilitations:index"]


@pytest.mark.parametrize("name", LISTS)
def test_anonymous_visitor_is_sent_to_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_officer_lists_the_organisations_of_their_region_only(client_for, officer, idf_site, ara_site):
    response = client_for(officer).get(reverse("annuaire:organismes:index"))
    page = response.content.decode()
    assert response.status_code == 200
    # The rows' links, not the names: a generated name may also be a person's first name on the page.
    assert f"/annuaire/organismes/{idf_site.organisation.pk}/detail/" in page
    assert f"/annuaire/organismes/{ara_site.organisation.pk}/detail/" not in page


def test_officer_opens_an_organisation_of_their_region_with_sites_and_timeline(client_for, officer, idf_site):
    url = reverse("annuaire:organismes:detail", args=[idf_site.organisation.pk])
    response = client_for(officer).get(url)
    page = response.content.decode()
    assert response.status_code == 200
    assert idf_site.siret in page
    assert "Habilitations" in page


def test_officer_of_other_region_gets_404_on_an_ile_de_france_organisation(
    client_for, officer_of_other_region, idf_site
):
    client = client_for(officer_of_other_region)
    assert (
        client.get(reverse("annuaire:organismes:detail", args=[idf_site.organisation.pk])).status_code == 404
    )
    assert client.get(reverse("annuaire:etablissements:detail", args=[idf_site.pk])).status_code == 404
    accreditation = idf_site.accreditations.get()
    assert client.get(reverse("annuaire:habilitations:detail", args=[accreditation.pk])).status_code == 404


def test_evaluator_of_other_organisation_gets_404_on_our_site(
    client_for, evaluator_of_other_organisation, idf_site
):
    response = client_for(evaluator_of_other_organisation).get(
        reverse("annuaire:etablissements:detail", args=[idf_site.pk])
    )
    assert response.status_code == 404


def test_jury_member_sees_the_sites_of_their_region(client_for, jury_member, idf_site, ara_site):
    page = client_for(jury_member).get(reverse("annuaire:etablissements:index")).content.decode()
    assert idf_site.siret in page
    assert ara_site.siret not in page


def test_unknown_pk_gets_404(client_for, supervisor):
    assert client_for(supervisor).get(reverse("annuaire:organismes:detail", args=[999999])).status_code == 404


@pytest.mark.parametrize("persona", ["supervisor", "officer", "evaluator"])
@pytest.mark.parametrize("name", LISTS)
def test_list_pages_run_a_constant_number_of_queries(
    request, client_for, persona, name, django_assert_max_num_queries
):
    user = request.getfixturevalue(persona)
    for department in ["75", "92", "69", "13", "33"]:
        from accreditation.models import Department

        AccreditationFactory(site=SiteFactory(department=Department.objects.get(code=department)))
    client = client_for(user)
    client.get(reverse(name))  # warm caches (content types, session)
    with django_assert_max_num_queries(12):
        response = client.get(reverse(name))
    assert response.status_code == 200


def test_framework_page_shows_the_clea_domains(client_for, evaluator):
    from accreditation.models import FrameworkVersion

    clea = FrameworkVersion.objects.get(certification__code="CLEA", status="published")
    page = client_for(evaluator).get(reverse("referentiels:versions:detail", args=[clea.pk])).content.decode()
    assert "D7.4" in page
    assert "La communication en français" in page


def test_framework_detail_runs_a_bounded_number_of_queries(
    client_for, evaluator, django_assert_max_num_queries
):
    from accreditation.models import FrameworkVersion

    clea = FrameworkVersion.objects.get(certification__code="CLEA", status="published")
    client = client_for(evaluator)
    client.get(reverse("referentiels:versions:detail", args=[clea.pk]))
    with django_assert_max_num_queries(12):
        client.get(reverse("referentiels:versions:detail", args=[clea.pk]))


def test_organisation_history_shows_its_sites_and_accreditations_events(
    client_for, officer, supervisor, idf_site
):
    from accreditation.models import Department
    from accreditation.services import add_site, suspend_accreditation
    from fixtures.demo import make_siret

    suspend_accreditation(
        idf_site.accreditations.get(), reason="Contrôle qualité sur place", actor=supervisor
    )
    organisation = idf_site.organisation
    add_site(
        organisation,
        siret=make_siret(organisation.siren, 9999),
        name="Antenne Lyon",
        address="1 rue X",
        postcode="69001",
        city="Lyon",
        department=Department.objects.get(code="69"),
        actor=supervisor,
    )

    page = (
        client_for(officer)
        .get(reverse("annuaire:organismes:detail", args=[organisation.pk]))
        .content.decode()
    )

    assert "Contrôle qualité sur place" in page
    assert "Antenne Lyon" not in page  # a site outside the officer's region stays out of their view


def test_the_sites_list_searches_within_the_scope_only(client_for, officer, idf_site, ara_site):
    client = client_for(officer)

    found = client.get(reverse("annuaire:etablissements:index"), {"_search": idf_site.siret}).content.decode()
    other = client.get(reverse("annuaire:etablissements:index"), {"_search": ara_site.siret}).content.decode()

    assert found.count(idf_site.siret) == 2  # the search box and the row
    assert other.count(ara_site.siret) == 1  # the search box only


def test_the_organisations_list_search_narrows_the_rows(client_for, supervisor, idf_site, ara_site):
    page = client_for(supervisor).get(
        reverse("annuaire:organismes:index"), {"_search": idf_site.organisation.siren}
    )

    assert f"/annuaire/organismes/{idf_site.organisation.pk}/detail/" in page.content.decode()
    assert f"/annuaire/organismes/{ara_site.organisation.pk}/detail/" not in page.content.decode()
