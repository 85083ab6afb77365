"""Defining a survey: the form returns its cleaned data to `services.create_survey`."""

from __future__ import annotations

from typing import Any

from django import forms

from accreditation.models import Certification, Region

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MAX_DELAY = 60


class SurveyForm(forms.Form):
    title = forms.CharField(label="Titre", max_length=200)
    certifications = forms.ModelMultipleChoiceField(
        label="Certifications",
        queryset=Certification.objects.order_by("name"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choisissez au moins une certification."},
    )
    regions = forms.ModelMultipleChoiceField(
        label="Régions (aucune : toutes)",
        queryset=Region.objects.order_by("name"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    awarded_from = forms.DateField(label="Certificats attribués à partir du", widget=DATE)
    awarded_to = forms.DateField(label="Certificats attribués jusqu'au", widget=DATE)
    delays = forms.CharField(
        label="Délais après l'attribution, en mois (une vague chacun, séparés par des virgules)",
        initial="6, 12",
        max_length=40,
    )

    def clean_delays(self) -> list[int]:
        parts = [p.strip() for p in self.cleaned_data["delays"].split(",") if p.strip()]
        if not parts or not all(p.isdigit() and 1 <= int(p) <= MAX_DELAY for p in parts):
            raise forms.ValidationError(
                f"Indiquez des nombres de mois entre 1 et {MAX_DELAY}, par exemple « 6, 12 »."
            )
        return sorted({int(p) for p in parts})

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("awarded_from"), data.get("awarded_to")
        if start and end and start > end:
            self.add_error("awarded_to", "La fin de la période d'attribution précède son début.")
        return data
