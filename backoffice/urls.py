from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from viewflow.contrib.auth import AuthViewset
from viewflow.urls import Site

from accreditation.views.campaigns import CampaignsApp
from accreditation.views.directory import OrganisationsApp, ReferenceApp
from backoffice.core.health import health
from backoffice.core.security import views as security_views
from casefiles.views import juries
from casefiles.views.certificates import CertificatesApp
from casefiles.views.files import (
    CaseFilesApp,
    delete_document,
    download_document,
    statement_of_acquisitions,
    upload_document,
)
from workflows.approval import pages as approval_pages
from workflows.approval.viewsets import ApprovalFlowAppViewset
from workflows.flows import AccreditationApprovalFlow, CandidatePathwayFlow
from workflows.pathway import pages as pathway_pages
from workflows.pathway.viewsets import ScopedFlowAppViewset

from .api.views import ApiKeysApp
from .dashboards.views import DashboardsApp
from .exports.views import ExportsApp
from .fees.views import FeesApp
from .home import HomeApp
from .imports.views import ImportsApp
from .notifications.views import NotificationsApp
from .surveys.views_admin import SurveysApp


class JuriesApp(juries.JuriesApp):
    """The jury pages, and closing a session, which moves the pathways on (a page of the process)."""

    close_path = path("<int:pk>/clore/", pathway_pages.close_session, name="close")


site = Site(
    title="CléA · Certif'Pro",
    viewsets=[
        HomeApp(),
        CaseFilesApp(),
        ScopedFlowAppViewset(CandidatePathwayFlow, icon="school", app_name="parcours"),
        JuriesApp(),
        CertificatesApp(),
        ImportsApp(),
        ExportsApp(),
        DashboardsApp(),
        FeesApp(),
        SurveysApp(),
        NotificationsApp(),
        ApiKeysApp(),
        OrganisationsApp(),
        CampaignsApp(),
        ApprovalFlowAppViewset(AccreditationApprovalFlow, icon="fact_check", app_name="instruction"),
        ReferenceApp(),
    ],
)

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/double-authentification/", security_views.two_factor, name="two_factor"),
    path(
        "accounts/double-authentification/code/",
        security_views.two_factor_verify,
        name="two_factor_verify",
    ),
    path(
        "accounts/",
        AuthViewset(
            with_profile_view=False,
            pass_change_view_class=security_views.PasswordChangeView,
            pass_reset_view_class=security_views.PasswordResetView,
            pass_reset_confirm_view_class=security_views.PasswordResetConfirmView,
        ).urls,
    ),
    path("sante/", health, name="health"),
    path("enquete/", include("backoffice.surveys.urls")),
    path(
        "dossiers/<int:pk>/attestation-des-acquis.pdf", statement_of_acquisitions, name="casefile_statement"
    ),
    path("dossiers/<int:pk>/pieces/", upload_document, name="casefile_document_upload"),
    path("dossiers/pieces/<int:pk>/", download_document, name="casefile_document"),
    path("dossiers/pieces/<int:pk>/retirer/", delete_document, name="casefile_document_delete"),
    path("", include("casefiles.urls")),
    path("lieux/", include("backoffice.core.places.urls")),
    # The organisation's submission and answer start and resume the approval process (workflows layer).
    path("campagnes/candidatures/<int:pk>/deposer/", approval_pages.submit, name="application_submit"),
    path("campagnes/candidatures/<int:pk>/repondre/", approval_pages.answer, name="application_answer"),
    path("dossiers/<int:pk>/abandonner/", pathway_pages.abandon, name="casefile_abandon"),
    path("dossiers/<int:pk>/transferer/", pathway_pages.transfer, name="casefile_transfer"),
    path("api/", include("backoffice.api.urls")),
    path("", site.urls),
]
