"""The fees' world: organisations accredited for years, acts recorded on chosen days through the services
(positionings, applications) or as the records the jury writes (certificates), and the finance personas."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from accreditation.models import AccreditationRole, Certification, Department, FrameworkVersion, Organisation
from accreditation.services import set_user_scope
from backoffice.core.accounts.roles import Role
from backoffice.fees.models import FeeRate, FeeSchedule
from casefiles.models import CaseFile, Certificate, CertificateStatus, JurySession, JurySessionStatus
from casefiles.services import open_case_file, record_positioning
from tests.casefiles.conftest import results_for
from tests.factories import AccreditationFactory, SiteFactory, UserFactory

TODAY = dt.date.today()
YEARS_AGO = TODAY - dt.timedelta(days=3 * 365)
# A period well inside the accreditations' validity, ended a while ago, and the one after it.
P1 = (TODAY - dt.timedelta(days=200), TODAY - dt.timedelta(days=101))
P2 = (TODAY - dt.timedelta(days=100), TODAY - dt.timedelta(days=2))


def accredited_site(
    department: str = "93", *, certification: str = "CLEA", organisation=None, since=YEARS_AGO
):  # type: ignore[no-untyped-def]
    """A site accredited as evaluator since `since` (that grant is itself a billable act, on its day)."""
    extra = {"organisation": organisation} if organisation is not None else {}
    site = SiteFactory(department=Department.objects.get(code=department), **extra)
    AccreditationFactory(
        site=site,
        certification=Certification.objects.get(code=certification),
        role=AccreditationRole.EVALUATOR,
        valid_from=since,
        valid_to=since + dt.timedelta(days=5 * 365),
    )
    return site


def staff_of(organisation: Organisation, username: str, role: Role = Role.EVALUATOR_STAFF):  # type: ignore[no-untyped-def]
    user = UserFactory(username=username, role=role)
    set_user_scope(user, organisation=organisation, actor=None)
    return user


def positioned(site, staff, on: dt.date, *, certification: str = "CLEA", name: str = "Martin") -> CaseFile:  # type: ignore[no-untyped-def]
    """A file opened the day before `on`, positioned on `on` with one domain to train (so it stays open)."""
    certification_row = Certification.objects.get(code=certification)
    framework = FrameworkVersion.objects.get(certification=certification_row, status="published")
    case_file = open_case_file(
        site=site,
        certification=certification_row,
        opened_on=on - dt.timedelta(days=1),
        candidate_data={
            "last_name": name,
            "first_name": "Léa",
            "birth_date": dt.date(1990, 3, 4),
            "sex": "F",
            "postcode": "93200",
            "status": "jobseeker",
        },
        actor=staff,
    )
    first_domain = framework.domains.order_by("position").first().code
    record_positioning(
        case_file,
        assessed_on=on,
        assessor=staff,
        results=results_for(framework, missing=(first_domain,)),
        actor=staff,
    )
    case_file.refresh_from_db()
    return case_file


def moment(day: dt.date, hour: int = 11) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def issued_certificate(case_file: CaseFile, on: dt.date, **extra) -> Certificate:  # type: ignore[no-untyped-def]
    """The certificate a closed session awarded and the worker issued on `on`, as those services write it."""
    region = case_file.evaluation_site.region
    session = JurySession.objects.create(
        region=region, held_on=on, cutoff_on=on - dt.timedelta(days=14), status=JurySessionStatus.CLOSED
    )
    return Certificate.objects.create(
        case_file=case_file,
        number=f"{case_file.certification.number_prefix}-{on.year}-{region.code}-{case_file.pk:06d}",
        certification=case_file.certification,
        region=region,
        session=session,
        holder_last_name="Titulaire",
        holder_first_name="Léa",
        awarded_on=on,
        status=CertificateStatus.ISSUED,
        issued_at=moment(on),
        **extra,
    )


def schedule(code: str, valid_from: dt.date, **amounts: str) -> FeeSchedule:
    """A schedule of `code` from `valid_from` with these amounts HT (VAT 20 %), written as the admin would."""
    created = FeeSchedule.objects.create(
        certification=Certification.objects.get(code=code), valid_from=valid_from
    )
    for kind, amount in amounts.items():
        FeeRate.objects.create(schedule=created, kind=kind, amount_ht=Decimal(amount), vat_rate=Decimal("20"))
    return created


@pytest.fixture
def site_a(db):  # type: ignore[no-untyped-def]
    return accredited_site("93")


@pytest.fixture
def site_b(db):  # type: ignore[no-untyped-def]
    return accredited_site("69")


@pytest.fixture
def staff_a(site_a):  # type: ignore[no-untyped-def]
    return staff_of(site_a.organisation, "evaluatrice.a")


@pytest.fixture
def staff_b(site_b):  # type: ignore[no-untyped-def]
    return staff_of(site_b.organisation, "evaluateur.b")


@pytest.fixture
def finance(db):  # type: ignore[no-untyped-def]
    """A national supervisor: finance."""
    user = UserFactory(username="superviseur.finance", role=Role.SUPERVISOR)
    set_user_scope(user, national=True, actor=None)
    return user
