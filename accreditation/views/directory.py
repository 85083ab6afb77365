"""Read-only pages on organisations, sites, accreditations and frameworks, scoped by selectors."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.views.decorators.http import require_POST
from viewflow.urls import Application

from accreditation import selectors, services
from accreditation.models import Accreditation, FrameworkVersion, Organisation, Site
from backoffice.core.accounts.roles import Role, has_role
from backoffice.core.accounts.types import actor_of
from backoffice.core.exports.kinds import ExportKind
from backoffice.core.exports.lists import ExportableListView
from backoffice.core.feedback import reported
from backoffice.core.viewsets import ScopedDetailView, ScopedReadonlyViewset


def _all_framework_versions(user: Any):  # reference data: the same for every signed-in user
    return selectors.framework_versions()


class OrganisationDetailView(ScopedDetailView):
    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["sites"] = selectors.sites_for(self.request.user).filter(organisation=self.object)
        context["accreditations"] = selectors.accreditations_for(self.request.user).filter(
            site__organisation=self.object
        )
        context["events"] = selectors.organisation_timeline(self.request.user, self.object)
        context["can_change_status"] = has_role(self.request.user, Role.SUPERVISOR, Role.ADMINISTRATOR)
        return context


class FrameworkDetailView(ScopedDetailView):
    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["domains"] = selectors.framework_outline(self.object)
        return context


class OrganisationViewset(ScopedReadonlyViewset):
    model = Organisation
    app_name = "organismes"
    selector = selectors.organisations_for
    icon = "business"
    list_columns = ("legal_name", "siren", "nda")
    list_search_fields = ("legal_name", "siren")
    detail_view_class = OrganisationDetailView


class SiteViewset(ScopedReadonlyViewset):
    model = Site
    app_name = "etablissements"
    selector = selectors.sites_for
    icon = "place"
    list_columns = ("name", "siret", "organisation", "city", "department", "region")
    list_search_fields = ("name", "siret", "city", "organisation__legal_name")
    list_filter_fields = ("region",)


class AccreditationListView(ExportableListView):
    export_kinds = (ExportKind.ACCREDITATIONS,)


class AccreditationViewset(ScopedReadonlyViewset):
    model = Accreditation
    app_name = "habilitations"
    selector = selectors.accreditations_for
    icon = "verified"
    list_columns = ("site", "certification", "role", "valid_from", "valid_to", "status")
    list_search_fields = ("site__name", "site__siret", "site__organisation__legal_name")
    list_filter_fields = ("status", "role", "certification")
    list_view_class = AccreditationListView


class FrameworkVersionViewset(ScopedReadonlyViewset):
    model = FrameworkVersion
    app_name = "versions"
    selector = _all_framework_versions
    icon = "menu_book"
    title = "Référentiels"
    list_columns = ("label", "certification", "version", "status", "published_at")
    detail_view_class = FrameworkDetailView


STATUS_CHANGES = {
    "suspended": (services.suspend_accreditation, "L'habilitation est suspendue."),
    "active": (services.reinstate_accreditation, "L'habilitation est rétablie."),
    "withdrawn": (services.withdraw_accreditation, "L'habilitation est retirée."),
}


@require_POST
def change_accreditation_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Suspend, reinstate or withdraw an accreditation of the user's scope, with a reason (supervisors)."""
    accreditation = get_object_or_404(selectors.accreditations_for(request.user), pk=pk)
    change, success = STATUS_CHANGES.get(request.POST.get("to", ""), (None, ""))
    if change is None:
        raise Http404
    with reported(request, success):
        on = _effective_day(request.POST.get("on", ""))  # empty: today; a past day: a decision taken then
        change(accreditation, reason=request.POST.get("reason", "")[:500], actor=actor_of(request), on=on)
    return HttpResponseRedirect(
        reverse("annuaire:organismes:detail", kwargs={"pk": accreditation.site.organisation_id})
    )


def _effective_day(value: str) -> dt.date | None:
    if not value.strip():
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError as error:
        raise ValidationError("La date d'effet n'est pas une date valide (jj/mm/aaaa).") from error


class OrganisationsApp(Application):
    title = "Organismes"
    icon = "corporate_fare"
    app_name = "annuaire"
    permission = "accreditation.view_organisation"
    base_template_name = "backoffice/base_page.html"
    viewsets = [OrganisationViewset(), SiteViewset(), AccreditationViewset()]
    status_path = path(
        "habilitations/<int:pk>/statut/", change_accreditation_status, name="accreditation_status"
    )


class ReferenceApp(Application):
    title = "Référentiels"
    icon = "menu_book"
    app_name = "referentiels"
    permission = "accreditation.view_frameworkversion"
    base_template_name = "backoffice/base_page.html"
    viewsets = [FrameworkVersionViewset()]
