"""Exports of organisations, sites and accreditations (imports come with their own services)."""

from __future__ import annotations

from import_export import fields, resources

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
