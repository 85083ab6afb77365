from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from viewflow.contrib.auth import AuthViewset
from viewflow.urls import Application, Site

from accreditation.views import OrganisationsApp, ReferenceApp
from workflows.flows import CandidatePathwayFlow
from workflows.viewsets import ScopedFlowAppViewset

from . import views


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
        ScopedFlowAppViewset(CandidatePathwayFlow, icon="school", app_name="parcours"),
        OrganisationsApp(),
        ReferenceApp(),
    ],
)

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", AuthViewset(with_profile_view=False).urls),
    path("sante/", views.health, name="health"),
    path("langue/", include("django.conf.urls.i18n")),
    path("", site.urls),
]
