"""Task forms of the accreditation approval: each shows what its step needs and validates only input."""

from __future__ import annotations

from typing import Any

from django import forms

from accreditation.models import (
    REQUESTABLE_SECTIONS,
    AccreditationApplication,
    ApplicationDocumentCategory,
)
from accreditation.rules import requested_scopes

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CompletenessForm(forms.Form):
    complete = forms.TypedChoiceField(
        label="Le dossier est-il complet ?",
        choices=[("1", "Oui : passer à l'instruction"), ("0", "Non : demander un complément")],
        coerce=lambda value: value == "1",
    )
    message = forms.CharField(
        label="Complément demandé", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    answer_by = forms.DateField(label="Réponse attendue avant le", widget=DATE, required=False)
    documents = forms.MultipleChoiceField(
        label="Pièces demandées",
        choices=ApplicationDocumentCategory.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    sections = forms.MultipleChoiceField(
        label="Parties du dossier à corriger (après la date limite, seules celles-ci se rouvrent ; "
        "les habilitations demandées et l'engagement ne changent plus)",
        choices=[(s.value, s.label) for s in REQUESTABLE_SECTIONS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    questions = forms.CharField(
        label="Questions (une par ligne)", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args: Any, application: AccreditationApplication, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)

    def clean_questions(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["questions"].splitlines() if line.strip()]


class ReviewForm(forms.Form):
    recommendation = forms.CharField(
        label="Avis de l'instruction", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )

    def __init__(self, *args: Any, application: AccreditationApplication, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = list(application.campaign.criteria.all())
        for criterion in self.criteria:
            self.fields[f"score_{criterion.pk}"] = forms.IntegerField(
                label=f"{criterion.label} (sur {criterion.max_score})",
                min_value=0,
                max_value=criterion.max_score,
            )
            self.fields[f"comment_{criterion.pk}"] = forms.CharField(
                label="Commentaire", max_length=1000, required=False
            )

    def scores(self) -> dict[int, tuple[int, str]]:
        data = self.cleaned_data
        return {c.pk: (data[f"score_{c.pk}"], data[f"comment_{c.pk}"]) for c in self.criteria}


class ScopeChoicesForm(forms.Form):
    """Accept or refuse (with a reason) each SIRET × certification × role asked for."""

    def __init__(self, *args: Any, application: AccreditationApplication, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        proposed = {
            (s.siret, s.certification.code, s.role): s
            for s in application.scopes.select_related("certification")
        }
        self.keys = requested_scopes(application)
        for index, key in enumerate(self.keys):
            siret, code, role = key
            earlier = proposed.get(key)
            self.fields[f"accept_{index}"] = forms.TypedChoiceField(
                label=f"{siret} — {code} ({'évaluateur' if role == 'evaluator' else 'formateur'})",
                choices=[("1", "Accorder"), ("0", "Refuser")],
                coerce=lambda value: value == "1",
                initial="1" if earlier is None or earlier.proposed else "0",
            )
            self.fields[f"reason_{index}"] = forms.CharField(
                label="Motif (obligatoire en cas de refus)",
                max_length=1000,
                required=False,
                initial=earlier.reason if earlier else "",
            )

    def choices(self) -> dict[tuple[str, str, str], tuple[bool, str]]:
        data = self.cleaned_data
        return {key: (data[f"accept_{i}"], data[f"reason_{i}"]) for i, key in enumerate(self.keys)}
