"""The case file, assessment, certificate and jury decision lists that can be exported, registered from
`CasefilesConfig.ready()`.

Every list's rows come from the list's own scoped selector and filtering code, for the requesting user:
an export never holds a row its user could not see on the list.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import QueryDict
from import_export.resources import Resource

from accreditation.models import SubDomain
from backoffice.core.accounts.roles import has_role
from backoffice.core.exports.kinds import ExportKind, Kind, register
from backoffice.core.exports.lists import viewset_rows
from casefiles import selectors
from casefiles.models import AgendaItem, Assessment, CaseFile
from casefiles.resources import (
    AssessmentResultResource,
    CaseFileExportResource,
    CertificateExportResource,
    JuryDecisionResource,
)
from casefiles.views.files import CaseFilesApp, CaseFileViewset


def case_file_rows(user: Any, filters: QueryDict) -> QuerySet[CaseFile]:
    """The case files list (/candidats/dossiers/): its filters (state, certification), search and ordering."""
    return viewset_rows(CaseFileViewset, user, filters)


def assessment_rows(user: Any, filters: QueryDict) -> QuerySet[Assessment]:
    """Every assessment of the files the case files list shows for these filters, with its sub-domain
    results."""
    files = case_file_rows(user, filters).order_by().values("pk")
    return (
        Assessment.objects.filter(case_file__in=files)
        .select_related(
            "case_file__candidate",
            "case_file__certification",
            "case_file__framework_version",
            "case_file__evaluation_site__region",
        )
        .order_by("-case_file__opened_on", "-case_file_id", "assessed_on", "id")
    )


def assessment_resource(rows: QuerySet[Assessment]) -> Resource:
    """One column per sub-domain of the frameworks of the listed files, in the frameworks' order."""
    versions = rows.order_by().values("case_file__framework_version_id")
    codes = SubDomain.objects.filter(domain__framework_version__in=versions).order_by(
        "domain__framework_version__certification__code", "domain__position", "position", "code"
    )
    return AssessmentResultResource(subdomain_codes=dict.fromkeys(codes.values_list("code", flat=True)))


def certificate_rows(user: Any, filters: QueryDict) -> QuerySet:
    """The certificates list (/certificats/): its status and "not transmitted" filters, newest first."""
    return selectors.filter_certificates(selectors.certificates_for(user), filters)


def jury_decision_rows(user: Any, filters: QueryDict) -> QuerySet[AgendaItem]:
    """Decided files of the sessions the user sees (/jurys/), or of the one session asked for (?session=)."""
    sessions = selectors.jury_sessions_for(user)
    if "session" in filters:
        sessions = sessions.filter(pk__in=_ids(filters.getlist("session")))
    return (
        AgendaItem.objects.filter(session__in=sessions.order_by().values("pk"))
        .exclude(decision="")
        .select_related(
            "session__region",
            "case_file__candidate",
            "case_file__certification",
            "case_file__evaluation_site",
            "case_file__certificate",
        )
        .order_by("-session__held_on", "-session_id", "id")
    )


def _ids(values: list[str]) -> list[int]:
    """Identifiers among the values; anything else (text, a number too large) matches nothing."""
    return [int(value) for value in values if value.isascii() and value.isdigit() and len(value) <= 18]


def _may_see_case_files(user: Any) -> bool:
    return bool(user.has_perm(CaseFilesApp.permission))


def register_export_kinds() -> None:
    register(
        Kind(
            ExportKind.CASE_FILES,
            may_export=_may_see_case_files,
            rows=case_file_rows,
            resource=lambda rows: CaseFileExportResource(),
        ),
        Kind(
            ExportKind.ASSESSMENT_RESULTS,
            may_export=_may_see_case_files,
            rows=assessment_rows,
            resource=assessment_resource,
        ),
        Kind(
            ExportKind.CERTIFICATES,
            may_export=lambda user: has_role(user, *selectors.CERTIFICATE_ROLES),
            rows=certificate_rows,
            resource=lambda rows: CertificateExportResource(),
        ),
        Kind(
            ExportKind.JURY_DECISIONS,
            may_export=lambda user: has_role(user, *selectors.JURY_ROLES),
            rows=jury_decision_rows,
            resource=lambda rows: JuryDecisionResource(),
        ),
    )
