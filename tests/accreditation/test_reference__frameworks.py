from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from accreditation.models import (
    Certification,
    Criterion,
    Department,
    Domain,
    FrameworkStatus,
    Region,
    SubDomain,
)
from accreditation.selectors import published_framework
from accreditation.services import draft_framework_version_from, publish_framework_version
from accreditation.services.frameworks import create_framework_version
from backoffice.core.audit.events import timeline
from fixtures.reference import load_reference_data

pytestmark = pytest.mark.django_db


def test_the_18_regions_and_101_departments_are_loaded():
    assert Region.objects.count() == 18
    assert Department.objects.count() == 101
    assert Department.objects.get(code="2A").region.code == "COR"
    assert Department.objects.get(code="976").region.code == "MAY"
    assert Department.objects.get(code="93").region.code == "IDF"


def test_the_three_certifications_exist_with_their_rs_code_field():
    codes = set(Certification.objects.values_list("code", flat=True))
    assert codes == {"CLEA", "CLEA_NUM", "CLEA_MGT"}
    assert Certification.objects.get(code="CLEA_NUM").trainer_accreditation_required


def test_clea_has_7_domains_and_28_subdomains_each_with_criteria():
    framework = published_framework(Certification.objects.get(code="CLEA"))
    assert framework is not None
    domains = Domain.objects.filter(framework_version=framework)
    assert list(domains.values_list("code", flat=True)) == [f"D{i}" for i in range(1, 8)]
    subdomains = SubDomain.objects.filter(domain__framework_version=framework)
    assert subdomains.count() == 28
    assert not subdomains.filter(criteria__isnull=True).exists()
    assert subdomains.get(code="D1.3").label == "Lire"
    assert subdomains.filter(domain__code="D4", to_confirm=True).count() == 4


def test_clea_numerique_and_management_have_4_and_3_domains():
    assert published_framework(Certification.objects.get(code="CLEA_NUM")).domains.count() == 4
    assert published_framework(Certification.objects.get(code="CLEA_MGT")).domains.count() == 3


def test_loading_the_reference_twice_changes_nothing():
    before = (Region.objects.count(), Criterion.objects.count(), SubDomain.objects.count())
    report = load_reference_data()
    assert report.frameworks_created == 0
    assert (Region.objects.count(), Criterion.objects.count(), SubDomain.objects.count()) == before


def test_publishing_a_new_version_supersedes_the_old_one_which_stays_intact(administrator):
    clea = Certification.objects.get(code="CLEA")
    old = published_framework(clea)
    draft = draft_framework_version_from(
        old, version="2027", label="Référentiel CléA 2027", actor=administrator
    )
    assert draft.status == FrameworkStatus.DRAFT

    publish_framework_version(draft, actor=administrator)

    old.refresh_from_db()
    assert old.status == FrameworkStatus.SUPERSEDED
    assert SubDomain.objects.filter(domain__framework_version=old).count() == 28
    assert published_framework(clea).pk == draft.pk
    assert [e.verb for e in timeline(draft)] == ["framework.drafted", "framework.published"]


def test_it_rejects_publishing_a_subdomain_without_criteria(administrator):
    spec = {
        "certification": "CLEA_MGT",
        "version": "test",
        "label": "Brouillon incomplet",
        "domains": [
            {
                "code": "M1",
                "label": "Organiser",
                "subdomains": [{"code": "M1.1", "label": "Planifier", "criteria": []}],
            }
        ],
    }
    draft = create_framework_version(spec, actor=administrator)

    with pytest.raises(ValidationError) as error:
        publish_framework_version(draft, actor=administrator)

    assert "Le sous-domaine M1.1 ne contient aucun critère." in error.value.messages
    draft.refresh_from_db()
    assert draft.status == FrameworkStatus.DRAFT
    assert published_framework(Certification.objects.get(code="CLEA_MGT")).version == "2022"


def test_a_published_version_cannot_be_edited():
    criterion = Criterion.objects.filter(subdomain__domain__framework_version__status="published").first()
    criterion.label = "Changé"
    with pytest.raises(ValidationError, match="publiée"):
        criterion.full_clean()


def test_mandatory_criterion_must_belong_to_its_subdomain(administrator):
    clea = published_framework(Certification.objects.get(code="CLEA"))
    draft = draft_framework_version_from(clea, version="brouillon", label="Brouillon", actor=administrator)
    d11 = SubDomain.objects.get(code="D1.1", domain__framework_version=draft)
    d11.mandatory_criterion = Criterion.objects.get(code="D7.3.2", subdomain__domain__framework_version=draft)

    with pytest.raises(ValidationError) as error:
        d11.full_clean()

    assert "Le critère obligatoire doit appartenir à ce sous-domaine." in error.value.messages
