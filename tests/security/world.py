"""One small world for the permission matrix, built through the services: two sides, each a region, an
accredited organisation and its files, processes, jury sessions, certificate, import, export, application…

Side A: organisation A in Île-de-France (Seine-Saint-Denis). Side B: organisation B in Auvergne-Rhône-Alpes
(Rhône). The personas exist on both sides, so that "own" and "other" are relative to the object under test."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import QueryDict
from django.test import override_settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from accreditation.models import Accreditation, CampaignStatus, Department, FrameworkVersion, Region
from accreditation.services import attach_application_document, move_campaign, save_content, start_application
from accreditation.services.scopes import set_user_scope
from backoffice.core.accounts.roles import Role
from backoffice.core.exports.kinds import KINDS
from backoffice.core.legacy.models import LegacyBatch
from backoffice.exports import services as exports
from backoffice.exports.models import ExportKind
from backoffice.notifications.models import Notification
from backoffice.surveys.models import Questionnaire
from backoffice.surveys.services import create_survey
from casefiles.models import AgendaItem, CaseFile, Transmission, TransmissionStatus
from casefiles.services import attach_document, issue_certificate, open_case_file
from tests.accreditation.test_services__campaigns import draft
from tests.accreditation.test_services__instruction import content_for
from tests.backoffice.imports_helpers import candidate_row, checked, csv_bytes
from tests.backoffice.test_views__certificates import award_everyone
from tests.casefiles.conftest import plan_today, ready_file
from tests.factories import AccreditationFactory, SiteFactory, UserFactory
from workflows.approval.commands import submit_and_start
from workflows.pathway.commands import start_pathway

TODAY = dt.date.today()


@dataclass
class Side:
    """The objects of one organisation and its region, and the people of that side."""

    code: str
    region: Region
    site: Any
    accreditation: Accreditation
    evaluator: Any
    officer: Any
    jury: Any
    files: dict[str, CaseFile] = field(default_factory=dict)
    objects: dict[str, Any] = field(default_factory=dict)


@dataclass
class World:
    a: Side
    b: Side
    supervisor: Any
    administrator: Any

    def side(self, code: str) -> Side:
        return self.a if code == "A" else self.b

    def other(self, code: str) -> Side:
        return self.b if code == "A" else self.a


def _person(username: str, role: Role, **scope: Any) -> Any:
    user = UserFactory(username=username, role=role)
    set_user_scope(user, actor=None, **scope)
    return user


def _side(code: str, region_code: str, department: str) -> Side:
    region = Region.objects.get(code=region_code)
    site = SiteFactory(department=Department.objects.get(code=department), name=f"Organisme {code}")
    accreditation = AccreditationFactory(site=site)
    tag = code.lower()
    return Side(
        code=code,
        region=region,
        site=site,
        accreditation=accreditation,
        evaluator=_person(f"evaluateur.{tag}", Role.EVALUATOR_STAFF, organisation=site.organisation),
        officer=_person(f"instructeur.{tag}", Role.CASE_OFFICER, regions=[region]),
        jury=_person(f"jury.{tag}", Role.JURY_MEMBER, regions=[region]),
    )


def _files(side: Side) -> None:
    """A certified file (closed session), a file on the agenda of a planned session, a file just opened."""
    certification = side.accreditation.certification
    framework = FrameworkVersion.objects.get(certification=certification, status="published")
    employee = _person(f"jury.{side.code.lower()}.salaries", Role.JURY_MEMBER, regions=[side.region])
    ev = side.evaluator
    certified = ready_file(
        side.site, certification, framework, ev, ev, last_name=f"Certifie{side.code.lower()}"
    )
    closed = plan_today(side.region, side.jury, employee, actor=side.officer, place="Salle 1")
    certificate = award_everyone(closed, side.jury)[0]
    issue_certificate(certificate.pk)
    certificate.refresh_from_db()
    ready = ready_file(side.site, certification, framework, ev, ev, last_name=f"Jury{side.code.lower()}")
    planned = plan_today(side.region, side.jury, employee, actor=side.officer, place="Salle 2")
    opened = open_case_file(
        site=side.site,
        certification=certification,
        opened_on=TODAY - dt.timedelta(days=3),
        candidate_data={
            "last_name": f"Ouvert{side.code.lower()}",
            "first_name": "Léa",
            "birth_date": dt.date(1999, 4, 2),
            "sex": "F",
            "postcode": "93200",
            "status": "jobseeker",
        },
        actor=ev,
    )
    start_pathway(opened)
    opened.refresh_from_db()
    document = attach_document(
        opened,
        upload=SimpleUploadedFile("piece.pdf", b"%PDF-1.4 piece", "application/pdf"),
        category=_document_category(),
        actor=ev,
    )
    side.files.update(certified=certified, ready=ready, opened=opened)
    side.objects.update(
        certificate=certificate,
        closed_session=closed,
        session=planned,
        item=AgendaItem.objects.get(session=planned, case_file=ready),
        document=document,
    )


def _document_category() -> str:
    from casefiles.models import CaseFileDocument

    return CaseFileDocument._meta.get_field("category").choices[0][0]


def _application(side: Side, officer: Any) -> None:
    campaign = move_campaign(draft(officer, name=f"Campagne {side.code}"), CampaignStatus.OPEN, actor=officer)
    application = start_application(campaign, actor=side.evaluator)
    save_content(application, content=content_for(side.site.organisation), actor=side.evaluator)
    documents = []
    for category in ("kbis", "qualiopi"):
        upload = SimpleUploadedFile(f"{category}.pdf", b"%PDF-1.4 " + category.encode(), "application/pdf")
        documents.append(
            attach_application_document(application, upload=upload, category=category, actor=side.evaluator)
        )
    application = submit_and_start(application, actor=side.evaluator)
    application.refresh_from_db()
    side.objects.update(campaign=campaign, application=application, application_document=documents[0])


def _import_and_export(side: Side) -> None:
    row = candidate_row(side.site.siret, f"SEC-{side.code}", date_accueil=f"{TODAY:%d/%m/%Y}")
    side.objects["import"] = checked(csv_bytes([row]), actor=side.evaluator)
    with override_settings(EXPORT_INLINE_MAX_ROWS=0):
        job = exports.request_export(
            actor=side.evaluator, kind=KINDS[ExportKind.CASE_FILES], fmt="csv", filters=QueryDict("")
        )
    exports.prepare_export(job.pk)
    job.refresh_from_db()
    side.objects["export"] = job


def _notification(side: Side) -> None:
    side.objects["notification"] = Notification.objects.create(
        recipient=side.evaluator,
        channel="in_app",
        template="file_opened",
        subject=f"Dossier ouvert {side.code}",
        key=f"matrix-{side.code}",
        status="sent",
        link=f"/candidats/dossiers/{side.files['opened'].pk}/detail/",
    )


def _fees(a: Side, b: Side, supervisor: Any) -> None:
    """The fees: a period issued for both organisations (their statements), a schedule not yet in force."""
    from backoffice.fees.models import FeeSchedule, Statement
    from backoffice.fees.services import compute_period, freeze_period

    period = freeze_period(
        compute_period(TODAY - dt.timedelta(days=120), TODAY - dt.timedelta(days=1), actor=supervisor),
        actor=supervisor,
    )
    planned = FeeSchedule.objects.create(
        certification=a.accreditation.certification, valid_from=TODAY + dt.timedelta(days=365)
    )
    for side in (a, b):
        side.objects["statement"] = Statement.objects.get(period=period, organisation=side.site.organisation)
        side.objects.update(fee_period=period, fee_schedule=planned)


def _api_keys(side: Side) -> None:
    """An API key of the side's organisation, created by its evaluator (the keys page's <pk>)."""
    from backoffice.api.services import create_api_key

    side.objects["api_key"], _ = create_api_key(
        side.site.organisation, name=f"Logiciel {side.code}", scope="write", actor=side.evaluator
    )


def build_world() -> World:
    a = _side("A", "IDF", "93")
    b = _side("B", "ARA", "69")
    supervisor = _person("superviseur", Role.SUPERVISOR, national=True)
    administrator = UserFactory(username="administrateur", role=Role.ADMINISTRATOR, is_staff=True)
    administrator.is_superuser = True
    administrator.save(update_fields=["is_superuser"])
    for side in (a, b):
        _files(side)
        _application(side, supervisor)
        _import_and_export(side)
        _notification(side)
        # The takeover's batches are national (supervisors only): one for each side, for the routes' <pk>.
        side.objects["batch"] = LegacyBatch.objects.create(
            label=f"Reprise {side.code}", created_by=supervisor
        )
        # The transmissions to the SI CPF are national too: one ready (with its file) for each side.
        transmission = Transmission.objects.create(
            id_flux=f"CLEA-MATRICE-{side.code}", schema_version="1.1.2", status=TransmissionStatus.READY
        )
        transmission.file.save(f"{transmission.id_flux}.xml", ContentFile(b"<flux/>"))
        side.objects["transmission"] = transmission
        # The surveys are national (supervisors only): a draft of each side's region, for the routes' <pk>.
        side.objects["survey"] = create_survey(
            title=f"Enquête {side.code}",
            questionnaire=Questionnaire.objects.get(version=1),
            certifications=[side.accreditation.certification],
            regions=[side.region],
            awarded_from=TODAY - dt.timedelta(days=365),
            awarded_to=TODAY,
            actor=supervisor,
        )
    _fees(a, b, supervisor)
    for side in (a, b):
        _api_keys(side)
    # A second factor not yet confirmed, for the admin's pages of TOTP devices.
    TOTPDevice.objects.create(user=administrator, name="Téléphone", confirmed=False)
    return World(a=a, b=b, supervisor=supervisor, administrator=administrator)
