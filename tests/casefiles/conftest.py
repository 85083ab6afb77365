from __future__ import annotations

import datetime as dt

import pytest

from accreditation.models import AccreditationRole, Certification, Department, FrameworkVersion, SubDomain
from accreditation.services import set_user_scope
from backoffice.core.accounts.roles import Role
from casefiles.models import CaseFile, CaseFileState
from casefiles.services import open_case_file, plan_session, record_positioning
from tests.factories import AccreditationFactory, SiteFactory, UserFactory

TODAY = dt.date.today()


@pytest.fixture
def clea(db) -> Certification:  # type: ignore[no-untyped-def]
    return Certification.objects.get(code="CLEA")


@pytest.fixture
def framework(clea) -> FrameworkVersion:  # type: ignore[no-untyped-def]
    return FrameworkVersion.objects.get(certification=clea, status="published")


@pytest.fixture
def assessor(idf_site):  # type: ignore[no-untyped-def]
    user = UserFactory(username="assessor", role=Role.EVALUATOR_STAFF)
    set_user_scope(user, organisation=idf_site.organisation, actor=None)
    return user


@pytest.fixture
def training_site(db):  # type: ignore[no-untyped-def]
    site = SiteFactory(department=Department.objects.get(code="75"), name="Centre de formation Paris")
    AccreditationFactory(site=site, role=AccreditationRole.TRAINER)
    return site


@pytest.fixture
def trainer_person(training_site):  # type: ignore[no-untyped-def]
    user = UserFactory(username="trainer.person", role=Role.TRAINER_STAFF)
    set_user_scope(user, organisation=training_site.organisation, actor=None)
    return user


@pytest.fixture
def candidate_data() -> dict:
    return {
        "last_name": "Martin",
        "first_name": "Léa",
        "birth_date": dt.date(1999, 4, 2),
        "sex": "F",
        "postcode": "93200",
        "status": "jobseeker",
        "sector": "Petite enfance",
    }


@pytest.fixture
def case_file(evaluator, idf_site, clea, candidate_data):  # type: ignore[no-untyped-def]
    return open_case_file(
        site=idf_site,
        certification=clea,
        opened_on=TODAY - dt.timedelta(days=30),
        candidate_data=candidate_data,
        actor=evaluator,
    )


def results_for(framework: FrameworkVersion, *, missing: tuple[str, ...] = ()) -> list[tuple[str, bool]]:
    """Sub-domain results: every sub-domain acquired except those of the `missing` domains."""
    subdomains = SubDomain.objects.filter(domain__framework_version=framework).select_related("domain")
    return [(s.code, s.domain.code not in missing) for s in subdomains]


def plan_results(
    framework: FrameworkVersion, domains: tuple[str, ...], *, still_missing: tuple[str, ...] = ()
):
    subdomains = SubDomain.objects.filter(domain__framework_version=framework, domain__code__in=domains)
    return [(s.code, s.domain.code not in still_missing) for s in subdomains.select_related("domain")]


# Jury personas and a session with two files ready for jury.


@pytest.fixture
def employee_member(idf):  # type: ignore[no-untyped-def]
    user = UserFactory(username="jury.idf.salaries", role=Role.JURY_MEMBER)
    set_user_scope(user, regions=[idf], actor=None)
    return user


@pytest.fixture
def third_member(idf):  # type: ignore[no-untyped-def]
    user = UserFactory(username="jury.idf.tiers", role=Role.JURY_MEMBER)
    set_user_scope(user, regions=[idf], actor=None)
    return user


def ready_file(
    site, certification, framework, evaluator, assessor, *, last_name: str, days_ago: int = 30
) -> CaseFile:
    """A file opened and positioned with every domain acquired, ready for jury `days_ago` days ago."""
    from workflows.pathway.commands import complete_step, start_pathway

    case_file = open_case_file(
        site=site,
        certification=certification,
        opened_on=TODAY - dt.timedelta(days=days_ago + 5),
        candidate_data={
            "last_name": last_name,
            "first_name": "Inès",
            "birth_date": dt.date(1995, 6, 1),
            "sex": "F",
            "postcode": "93200",
            "status": "jobseeker",
        },
        actor=evaluator,
    )
    start_pathway(case_file)
    case_file.refresh_from_db()
    complete_step(
        case_file,
        "positioning",
        user=evaluator,
        run=lambda: record_positioning(
            case_file,
            assessed_on=TODAY - dt.timedelta(days=days_ago),
            assessor=assessor,
            results=results_for(framework),
            actor=evaluator,
        ),
    )
    case_file.refresh_from_db()
    assert case_file.state == CaseFileState.READY_FOR_JURY
    return case_file


@pytest.fixture
def two_ready_files(idf_site, clea, framework, evaluator, assessor):  # type: ignore[no-untyped-def]
    return [
        ready_file(idf_site, clea, framework, evaluator, assessor, last_name=name)
        for name in ("Bernard", "Moreau")
    ]


def plan_today(region, employer, employee, *, actor, place: str = "Paris, Transitions Pro IDF"):  # type: ignore[no-untyped-def]
    """A session held today with one member per college, the employer presiding."""
    return plan_session(
        region=region,
        held_on=TODAY,
        place=place,
        remote=False,
        members=[(employer, "employers"), (employee, "employees")],
        president=employer,
        actor=actor,
    )


@pytest.fixture
def session(officer, idf, jury_member, employee_member, two_ready_files):  # type: ignore[no-untyped-def]
    return plan_today(idf, jury_member, employee_member, actor=officer)


def committed_jury_world(*last_names: str):  # type: ignore[no-untyped-def]
    """For tests whose worker threads or live server read committed rows: reference data, an accredited IDF
    site with files ready for jury, and today's session planned with two members (the employer presides)."""
    from accreditation.models import Region
    from fixtures.reference import load_reference_data

    load_reference_data()
    idf = Region.objects.get(code="IDF")
    site = SiteFactory(department=Department.objects.get(code="93"), name="Antenne de Bobigny")
    accreditation = AccreditationFactory(site=site)
    staff = UserFactory(username="evaluatrice", role=Role.EVALUATOR_STAFF)
    set_user_scope(staff, organisation=site.organisation, actor=None)
    framework = FrameworkVersion.objects.get(certification=accreditation.certification, status="published")
    files = [
        ready_file(site, accreditation.certification, framework, staff, staff, last_name=n)
        for n in last_names
    ]
    members = []
    for username, first, last in (("jury.idf", "Marc", "Lefèvre"), ("jury.idf.salaries", "Fatou", "Camara")):
        member = UserFactory(username=username, first_name=first, last_name=last, role=Role.JURY_MEMBER)
        set_user_scope(member, regions=[idf], actor=None)
        members.append(member)
    officer = UserFactory(username="officer.idf", role=Role.CASE_OFFICER)
    set_user_scope(officer, regions=[idf], actor=None)
    return plan_today(idf, members[0], members[1], actor=officer, place="Paris"), members[0], files
