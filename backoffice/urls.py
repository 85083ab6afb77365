from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from viewflow.contrib.auth import AuthViewset
from viewflow.urls import Application, Site

from accreditation.campaign_views import CampaignsApp
from accreditation.views import OrganisationsApp, ReferenceApp
from casefiles.views import (
    CaseFilesApp,
    delete_document,
    download_document,
    statement_of_acquisitions,
    upload_document,
)
from workflows import approval_pages, file_views
from workflows.flows import AccreditationApprovalFlow, CandidatePathwayFlow
from workflows.viewsets import ApprovalFlowAppViewset, ScopedFlowAppViewset

from . import views
from .certificates import CertificatesApp
from .dashboards.views import DashboardsApp
from .exports.views import ExportsApp
from .imports.views import ImportsApp
from .juries import JuriesApp
from .notifications.views import NotificationsApp
from .security import views as security_views


class HomeApp(Application):
    title = "Accueil"
    icon = "home"
    app_name = "accueil"
    menu_template_name = None  # a single page: no sub-menu
    base_template_name = "backoffice/base_page.html"
    index_path = path("", views.home, name="index")


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
        NotificationsApp(),
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
    path("sante/", views.health, name="health"),
    path("langue/", include("django.conf.urls.i18n")),
    path(
        "dossiers/<int:pk>/attestation-des-acquis.pdf", statement_of_acquisitions, name="casefile_statement"
    ),
    path("dossiers/<int:pk>/pieces/", upload_document, name="casefile_document_upload"),
    path("dossiers/pieces/<int:pk>/", download_document, name="casefile_document"),
    path("dossiers/pieces/<int:pk>/retirer/", delete_document, name="casefile_document_delete"),
    path("", include("backoffice.certificate_urls")),
    # The organisation's submission and answer start and resume the approval process (workflows layer).
    path("campagnes/candidatures/<int:pk>/deposer/", approval_pages.submit, name="application_submit"),
    path("campagnes/candidatures/<int:pk>/repondre/", approval_pages.answer, name="application_answer"),
    path("dossiers/<int:pk>/abandonner/", file_views.abandon, name="casefile_abandon"),
    path("dossiers/<int:pk>/transferer/", file_views.transfer, name="casefile_transfer"),
    path("", site.urls),
]
