"""Admin and page forms: validation only; saving is the services' job."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from accreditation.models import Accreditation, Organisation, Site, UserScope
from accreditation.rules import default_valid_to, scope_errors


class DraftVersionForm(forms.Form):
    version = forms.CharField(label="Nouvelle version", max_length=20, help_text="Par exemple : 2027")
    label = forms.CharField(label="Libellé", max_length=200, help_text="Par exemple : Référentiel CléA 2027")


class ReasonForm(forms.Form):
    reason = forms.CharField(label="Motif", max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class AccreditationForm(forms.ModelForm):
    valid_to = forms.DateField(
        label="Valide jusqu'au", required=False, help_text="Laisser vide pour la durée par défaut (3 ans)."
    )

    class Meta:
        model = Accreditation
        fields = ("site", "certification", "role", "valid_from", "valid_to")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("valid_from") and not data.get("valid_to"):
            try:
                data["valid_to"] = default_valid_to(data["valid_from"])
            except ValidationError as error:
                self.add_error(None, error.messages)
        return data


class OrganisationForm(forms.ModelForm):
    # Room for the spaces people type ("732 829 320"); the model drops them before its checks.
    siren = forms.CharField(label="SIREN", max_length=20)
    nda = forms.CharField(label="Numéro de déclaration d'activité", max_length=20, required=False)

    class Meta:
        model = Organisation
        fields = ("siren", "legal_name", "nda")


class SiteForm(forms.ModelForm):
    siret = forms.CharField(label="SIRET", max_length=25)

    class Meta:
        model = Site
        fields = (
            "organisation",
            "siret",
            "name",
            "address",
            "postcode",
            "city",
            "department",
            "departments_covered",
        )


class UserScopeForm(forms.ModelForm):
    class Meta:
        model = UserScope
        fields = ("user", "national", "regions", "organisation")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        user = data.get("user") or getattr(self.instance, "user", None)
        if user is not None:
            for message in scope_errors(
                user,
                national=data.get("national", False),
                regions=list(data.get("regions") or []),
                organisation=data.get("organisation"),
            ):
                self.add_error(None, message)
        return data
