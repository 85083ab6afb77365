"""Exports of organisations, sites and accreditations (imports come with their own services).

The first three feed the admin's export action; `AccreditationListResource` is the columns of the
accreditations list's export (values stay typed: the CSV and XLSX writers format them).
"""

from __future__ import annotations

from import_export import fields, resources, widgets

from .models import Accreditation, Organisation, Site


class OrganisationResource(resources.ModelResource):
    class Meta:
        model = Organisation
        fields = ("siren", "legal_name", "nda")
        export_order = fields


class SiteResource(resources.ModelResource):
    siren = fields.Field(attribute="organisation__siren", column_name="siren")
    departement = fields.Field(attribute="department__code", column_name="departement")
    region = fields.Field(attribute="region__code", column_name="region")

    class Meta:
        model = Site
        fields = ("siret", "siren", "name", "address", "postcode", "city", "departement", "region")
        export_order = fields


class AccreditationResource(resources.ModelResource):
    siret = fields.Field(attribute="site__siret", column_name="siret")
    certification = fields.Field(attribute="certification__code", column_name="certification")

    class Meta:
        model = Accreditation
        fields = (
            "siret",
            "certification",
            "role",
            "valid_from",
            "valid_to",
            "status",
            "status_changed_on",
            "status_reason",
        )
        export_order = fields


def _column(attribute: str, name: str, widget: widgets.Widget | None = None) -> fields.Field:
    return fields.Field(attribute=attribute, column_name=name, widget=widget, readonly=True)


class AccreditationListResource(resources.Resource):
    """One row per accreditation of the list, with its establishment and organisation."""

    siret = _column("site__siret", "siret")
    etablissement = _column("site__name", "etablissement")
    siren = _column("site__organisation__siren", "siren")
    raison_sociale = _column("site__organisation__legal_name", "raison_sociale")
    region = _column("site__region__name", "region")
    code_certification = _column("certification__code", "code_certification")
    certification = _column("certification__name", "certification")
    role = _column("get_role_display", "role")
    valide_du = _column("valid_from", "valide_du", widgets.DateWidget(coerce_to_string=False))
    valide_jusqu_au = _column("valid_to", "valide_jusqu_au", widgets.DateWidget(coerce_to_string=False))
    statut = _column("get_status_display", "statut")
    statut_modifie_le = _column(
        "status_changed_on", "statut_modifie_le", widgets.DateWidget(coerce_to_string=False)
    )
    motif_statut = _column("status_reason", "motif_statut")
