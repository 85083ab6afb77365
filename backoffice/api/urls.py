"""The API's addresses: `/api/v1/…` (a key for each call), its OpenAPI schema and its two readers (public:
they show the contract, never data)."""

from __future__ import annotations

from typing import Any

from csp.constants import SELF
from csp.decorators import csp_update
from django.contrib.auth.decorators import login_not_required
from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from . import endpoints

app_name = "api"
REDOC = {"url_name": "api:schema", "template_name": "api/redoc.html"}
# Redoc indexes its search in a worker it creates from a blob: allowed on its page only.
redoc = csp_update({"worker-src": [SELF, "blob:"]})


def public(view: Any) -> Any:
    """The site's login middleware lets the API's calls through: each one needs a key (or is the schema)."""
    return login_not_required(view)


urlpatterns = [
    path("v1/dossiers/", public(endpoints.CaseFilesView.as_view()), name="files"),
    path("v1/dossiers/lot/", public(endpoints.CandidatesLotView.as_view()), name="files_lot"),
    path("v1/dossiers/<int:id>/", public(endpoints.CaseFileView.as_view()), name="file"),
    path("v1/dossiers/<int:id>/contact/", public(endpoints.ContactView.as_view()), name="file_contact"),
    path(
        "v1/dossiers/<int:id>/evaluations/",
        public(endpoints.EvaluationsView.as_view()),
        name="file_evaluations",
    ),
    path("v1/dossiers/<int:id>/grille/", public(endpoints.GridView.as_view()), name="file_grid"),
    path("v1/evaluations/lot/", public(endpoints.EvaluationsLotView.as_view()), name="evaluations_lot"),
    path("v1/lots/<int:lot_id>/", public(endpoints.LotView.as_view()), name="lot"),
    path("v1/certificats/", public(endpoints.CertificatesView.as_view()), name="certificates"),
    path("schema/", public(SpectacularAPIView.as_view()), name="schema"),
    path("docs/", public(SpectacularSwaggerSplitView.as_view(url_name="api:schema")), name="swagger"),
    path("redoc/", public(redoc(SpectacularRedocView.as_view(**REDOC))), name="redoc"),
    re_path(r"^", public(endpoints.NowhereView.as_view()), name="nowhere"),
]
