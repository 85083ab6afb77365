"""The steps of the application wizard: each validates its input; the services decide the rest."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from accreditation.models import AccreditationCampaign, AccreditationRole, Department, Organisation
from accreditation.validators import (
    department_of_postcode,
    normalise_number,
    validate_nda,
    validate_postcode,
    validate_siret,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class IdentityForm(forms.Form):
    legal_name = forms.CharField(label="Raison sociale", max_length=200)
    nda = forms.CharField(label="Numéro de déclaration d'activité (NDA)", max_length=20, required=False)

    def __init__(
        self, *args: Any, organisation: Organisation, campaign: AccreditationCampaign, **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.fields["legal_name"].initial = organisation.legal_name
        self.fields["nda"].initial = organisation.nda

    def clean_nda(self) -> str:
        nda = normalise_number(self.cleaned_data["nda"])
        if nda:
            validate_nda(nda)
        return nda


class SiteForm(forms.Form):
    siret = forms.CharField(label="SIRET", max_length=20)
    name = forms.CharField(label="Nom de l'établissement", max_length=200)
    address = forms.CharField(label="Adresse", max_length=300)
    postcode = forms.CharField(label="Code postal", max_length=5, validators=[validate_postcode])
    city = forms.CharField(label="Commune", max_length=100)
    departments = forms.CharField(
        label="Départements couverts (codes séparés par des virgules)", max_length=300
    )
    evaluator_for = forms.MultipleChoiceField(label="Habilitation évaluateur demandée pour", required=False)
    trainer_for = forms.MultipleChoiceField(label="Habilitation formateur demandée pour", required=False)

    def __init__(
        self, *args: Any, organisation: Organisation, campaign: AccreditationCampaign, **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        choices = [(c.code, c.name) for c in campaign.certifications.order_by("code")]
        for name, opened in (
            ("evaluator_for", campaign.opens_evaluator),
            ("trainer_for", campaign.opens_trainer),
        ):
            if opened:
                cast(forms.ChoiceField, self.fields[name]).choices = choices
            else:
                del self.fields[name]

    def clean_siret(self) -> str:
        siret = normalise_number(self.cleaned_data["siret"])
        validate_siret(siret)
        if not siret.startswith(self.organisation.siren):
            raise ValidationError("Ce SIRET n'appartient pas à votre organisme (SIREN différent).")
        return siret

    def clean_postcode(self) -> str:
        postcode = self.cleaned_data["postcode"]
        if not Department.objects.filter(code=department_of_postcode(postcode)).exists():
            raise ValidationError("Ce code postal ne correspond à aucun département.")
        return postcode

    def clean_departments(self) -> list[str]:
        codes = [c.strip().upper() for c in self.cleaned_data["departments"].split(",") if c.strip()]
        known = set(Department.objects.filter(code__in=codes).values_list("code", flat=True))
        unknown = [c for c in codes if c not in known]
        if unknown or not codes:
            raise ValidationError(f"Départements inconnus : {', '.join(unknown) or 'aucun indiqué'}.")
        return codes

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("evaluator_for") or data.get("trainer_for")):
            raise ValidationError("Demandez au moins une habilitation pour cet établissement.")
        return data

    def scopes(self) -> list[dict[str, str]]:
        labels = dict(AccreditationRole.choices)
        data = self.cleaned_data
        return [
            {"certification": code, "role": role, "role_label": str(labels[role])}
            for role, field in (
                (AccreditationRole.EVALUATOR, "evaluator_for"),
                (AccreditationRole.TRAINER, "trainer_for"),
            )
            for code in data.get(field, [])
        ]


class BaseSiteFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        super().clean()
        sirets = [f.cleaned_data.get("siret") for f in self.forms if f.cleaned_data]
        if len(sirets) != len(set(sirets)):
            raise ValidationError("Chaque établissement (SIRET) ne figure qu'une fois.")


SiteFormSet = forms.formset_factory(
    SiteForm, formset=BaseSiteFormSet, extra=0, min_num=1, validate_min=True, max_num=50, validate_max=True
)


class QualiopiForm(forms.Form):
    number = forms.CharField(label="Numéro du certificat Qualiopi", max_length=50)
    issued_on = forms.DateField(label="Date de délivrance", widget=DATE, required=False)
    expires_on = forms.DateField(label="Date d'expiration", widget=DATE)

    def __init__(
        self, *args: Any, organisation: Organisation, campaign: AccreditationCampaign, **kwargs: Any
    ):
        super().__init__(*args, **kwargs)

    def clean_expires_on(self) -> Any:
        day = self.cleaned_data["expires_on"]
        if day < timezone.localdate():
            raise ValidationError("Ce certificat Qualiopi est expiré.")
        return day


class PersonForm(forms.Form):
    kind = forms.ChoiceField(
        label="Fonction", choices=[("assessor", "Évaluateur·rice"), ("trainer", "Formateur·rice")]
    )
    last_name = forms.CharField(label="Nom", max_length=100)
    first_name = forms.CharField(label="Prénom", max_length=100)
    qualifications = forms.CharField(label="Qualifications", max_length=500)
    trained_on_framework = forms.BooleanField(label="Formé·e au référentiel", required=False)

    def __init__(
        self, *args: Any, organisation: Organisation, campaign: AccreditationCampaign, **kwargs: Any
    ):
        super().__init__(*args, **kwargs)


PeopleFormSet = forms.formset_factory(
    PersonForm, extra=0, min_num=1, validate_min=True, max_num=100, validate_max=True
)


class MethodsForm(forms.Form):
    methods = forms.CharField(
        label="Méthodes et outils d'évaluation (et de formation)",
        widget=forms.Textarea(attrs={"rows": 6}),
        min_length=20,
        max_length=5000,
    )

    def __init__(
        self, *args: Any, organisation: Organisation, campaign: AccreditationCampaign, **kwargs: Any
    ):
        super().__init__(*args, **kwargs)


class CommitmentForm(forms.Form):
    signatory = forms.CharField(label="Nom et fonction du·de la signataire", max_length=200)
    accepted = forms.BooleanField(
        label="L'organisme s'engage à respecter les règles de Certif'Pro "
        "(référentiel, charte, déontologie, contrôles)"
    )

    def __init__(
        self, *args: Any, organisation: Organisation, campaign: AccreditationCampaign, **kwargs: Any
    ):
        super().__init__(*args, **kwargs)


STEPS = [
    ("identite", IdentityForm, "Identité de l'organisme"),
    ("etablissements", SiteFormSet, "Établissements et habilitations demandées"),
    ("qualiopi", QualiopiForm, "Certificat Qualiopi"),
    ("intervenants", PeopleFormSet, "Évaluateurs et formateurs"),
    ("methodes", MethodsForm, "Méthodes et outils"),
    ("engagement", CommitmentForm, "Engagement signé"),
]


# The content's section (ApplicationSection) each step writes.
SECTION_OF_STEP = {
    "identite": "identity",
    "etablissements": "sites",
    "qualiopi": "qualiopi",
    "intervenants": "people",
    "methodes": "methods",
    "engagement": "commitment",
}


def _section(step: str, form: Any) -> Any:
    """The JSON of one validated step."""
    if step == "etablissements":
        fields = ("siret", "name", "address", "postcode", "city", "departments")
        return [
            {**{k: f.cleaned_data[k] for k in fields}, "scopes": f.scopes()}
            for f in form.forms
            if f.cleaned_data  # a blank extra row is no site
        ]
    if step == "intervenants":
        return [f.cleaned_data for f in form.forms if f.cleaned_data]
    data: dict[str, Any] = form.cleaned_data
    if step == "identite":
        return {"legal_name": data["legal_name"], "nda": data["nda"]}
    if step == "qualiopi":
        issued = {"issued_on": data["issued_on"].isoformat()} if data.get("issued_on") else {}
        return {"number": data["number"], **issued, "expires_on": data["expires_on"].isoformat()}
    if step == "methodes":
        return data["methods"]
    return {"signatory": data["signatory"], "signed_at": timezone.now().isoformat()}


def content_from(forms_by_step: dict[str, Any], base: dict[str, Any] | None = None) -> dict[str, Any]:
    """The application's content, JSON-ready: `base` (the content as it stands) with the sections of the
    validated steps replaced (all of them in a draft; after the deadline, those a request reopens)."""
    content = dict(base or {})
    for step, form in forms_by_step.items():
        content[SECTION_OF_STEP[step]] = _section(step, form)
    return content
