"""Factories: tests build their own organisations, sites, accreditations and people."""

from __future__ import annotations

import datetime as dt
import random

import factory
from django.contrib.auth.models import Group

from accreditation.models import (
    Accreditation,
    AccreditationRole,
    Certification,
    Department,
    Organisation,
    Site,
)
from backoffice.core.accounts.models import User
from backoffice.core.accounts.roles import Role, group_name
from casefiles.models import Candidate
from fixtures.demo import make_postcode, make_siren, make_siret

_rng = random.Random(7)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    siren = factory.LazyFunction(lambda: make_siren(_rng))
    legal_name = factory.Faker("company", locale="fr_FR")
    nda = factory.Sequence(lambda n: f"{11000000000 + n}")


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    organisation = factory.SubFactory(OrganisationFactory)
    siret = factory.LazyAttributeSequence(lambda o, n: make_siret(o.organisation.siren, n % 9000 + 1))
    name = factory.Faker("company", locale="fr_FR")
    address = factory.Faker("street_address", locale="fr_FR")
    department = factory.LazyFunction(lambda: Department.objects.get(code="75"))
    region = factory.SelfAttribute("department.region")
    postcode = factory.LazyAttribute(lambda o: make_postcode(o.department, _rng))
    city = factory.Faker("city", locale="fr_FR")


class AccreditationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Accreditation

    site = factory.SubFactory(SiteFactory)
    certification = factory.LazyFunction(lambda: Certification.objects.get(code="CLEA"))
    role = AccreditationRole.EVALUATOR
    valid_from = factory.LazyFunction(lambda: dt.date.today() - dt.timedelta(days=100))
    valid_to = factory.LazyAttribute(lambda o: o.valid_from + dt.timedelta(days=3 * 365))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password = factory.django.Password("motdepasse-de-test-42")

    @factory.post_generation
    def role(self, create: bool, extracted: Role | None, **kwargs: object) -> None:
        if create and extracted:
            self.groups.add(Group.objects.get(name=group_name(extracted)))


def letters(n: int) -> str:
    """A name may hold letters only: 1 → b, 27 → bb…"""
    out = ""
    while True:
        n, digit = divmod(n, 26)
        out = "abcdefghijklmnopqrstuvwxyz"[digit] + out
        if not n:
            return out


class CandidateFactory(factory.django.DjangoModelFactory):
    """A person with a complete identity for the training-account system (birth name, sex, a commune of
    birth existing on the birth date): tests of an incomplete one say which part they leave out."""

    class Meta:
        model = Candidate

    last_name = factory.LazyAttributeSequence(lambda o, n: f"Martin{letters(n)}")
    first_name = factory.Faker("first_name_female", locale="fr_FR")
    birth_date = dt.date(1990, 5, 17)
    sex = "F"
    birth_name = factory.SelfAttribute("last_name")
    birth_commune_code = "69123"  # Lyon
    postcode = "93200"
    status = "jobseeker"
