"""Task forms of the candidate pathway: each shows what its step needs, and validates only input."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from accreditation.models import Domain, Site
from accreditation.selectors import certifications, evaluator_sites_of, staff_of
from backoffice.core.accounts.models import User
from backoffice.core.accounts.roles import Role
from casefiles.forms import IDENTITY_ORDER, BirthIdentityForm
from casefiles.models import Candidate, CandidateStatus, CaseFile, Funding, Referrer, Sex
from casefiles.rules.identity import validate_person_name
from casefiles.selectors import (
    acquired_domains_of,
    criteria_of,
    domains_to_train,
    subdomains_to_assess,
    trainers_for,
    training_sites_for,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
RESULT_CHOICES = [("A", "Acquis"), ("NA", "Non acquis")]


class OpenCaseFileForm(BirthIdentityForm):
    field_order = ["site", "certification", "opened_on", *IDENTITY_ORDER]

    site = forms.ModelChoiceField(label="Établissement évaluateur", queryset=Site.objects.none())
    certification = forms.ModelChoiceField(label="Certification", queryset=certifications())
    opened_on = forms.DateField(label="Date d'accueil", widget=DATE, initial=timezone.localdate)
    last_name = forms.CharField(label="Nom d'usage", max_length=100, validators=[validate_person_name])
    first_name = forms.CharField(label="Prénom", max_length=100, validators=[validate_person_name])
    birth_date = forms.DateField(label="Date de naissance", widget=DATE)
    sex = forms.ChoiceField(label="Sexe", choices=[("", "Non renseigné"), *Sex.choices], required=False)
    email = forms.EmailField(label="E-mail", required=False)
    phone = forms.CharField(label="Téléphone", max_length=20, required=False)
    postcode = forms.CharField(label="Code postal", max_length=5)
    status = forms.ChoiceField(label="Statut", choices=CandidateStatus.choices)
    sector = forms.CharField(label="Secteur du projet professionnel", max_length=100, required=False)
    referrer = forms.ChoiceField(label="Prescripteur", choices=[("", "—"), *Referrer.choices], required=False)
    funding = forms.ChoiceField(label="Financement", choices=[("", "—"), *Funding.choices], required=False)
    funding_note = forms.CharField(
        label="Précision du financement",
        max_length=100,
        required=False,
        help_text="Le financeur quand la liste ne le nomme pas : « OPCO EP », « Agefiph », "
        "« CPF de transition »…",
    )
    reference = forms.CharField(label="Référence interne", max_length=50, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["site"]).queryset = evaluator_sites_of(user)

    def candidate_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in Candidate.FIELDS}


class AssessmentForm(forms.Form):
    """Date, assessor, and one result per sub-domain (or per criterion) of the domains assessed."""

    assessed_on = forms.DateField(label="Date de l'évaluation", widget=DATE)
    assessor = forms.ModelChoiceField(label="Évaluateur·rice", queryset=User.objects.none())

    def __init__(
        self,
        *args: Any,
        case_file: CaseFile,
        domains: QuerySet[Domain] | None = None,
        by_criteria: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        assessor = cast(forms.ModelChoiceField, self.fields["assessor"])
        assessor.queryset = staff_of(case_file.evaluation_site, Role.EVALUATOR_STAFF)
        subdomains = subdomains_to_assess(case_file, domains)
        choices = RESULT_CHOICES
        self.codes = [(s.code, f"{s.code} {s.label}") for s in subdomains]
        if by_criteria:
            criteria = criteria_of(subdomains)
            self.codes = [(c.code, f"{c.code} {c.label}") for c in criteria]
            choices = [("A", "Satisfait"), ("NA", "Non satisfait")]
        for code, label in self.codes:
            self.fields[f"sd_{code}"] = forms.ChoiceField(
                label=label, choices=choices, widget=forms.RadioSelect
            )

    def results(self) -> list[tuple[str, bool]]:
        return [(code, self.cleaned_data[f"sd_{code}"] == "A") for code, _ in self.codes]


class TrainingPlanForm(forms.Form):
    # Viewflow 2.4's JavaScript has no element for CheckboxSelectMultiple (it renders nothing): use a select.
    domains = forms.ModelMultipleChoiceField(
        label="Domaines visés", queryset=Domain.objects.none(), widget=forms.SelectMultiple
    )
    training_site = forms.ModelChoiceField(label="Organisme de formation", queryset=Site.objects.none())
    trainer = forms.ModelChoiceField(label="Formateur·rice", queryset=User.objects.none())
    hours = forms.IntegerField(label="Nombre d'heures", min_value=0, max_value=1000)
    starts_on = forms.DateField(label="Début", widget=DATE)
    ends_on = forms.DateField(label="Fin", widget=DATE)

    def __init__(self, *args: Any, case_file: CaseFile, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        domains = cast(forms.ModelMultipleChoiceField, self.fields["domains"])
        domains.queryset = domains_to_train(case_file)
        domains.initial = list(domains.queryset)
        # No national directory: the evaluator's own organisation, or the region's accredited trainers.
        cast(forms.ModelChoiceField, self.fields["training_site"]).queryset = training_sites_for(case_file)
        cast(forms.ModelChoiceField, self.fields["trainer"]).queryset = trainers_for(case_file)
        self.fields["starts_on"].initial = self.fields["ends_on"].initial = timezone.localdate()


class JuryReturnForm(forms.Form):
    """The evaluator's answer to the jury: what was completed, and any domain the jury questioned."""

    response = forms.CharField(
        label="Réponse au jury (ce qui a été complété ou corrigé)", max_length=1000, widget=forms.Textarea
    )
    reopened_domains = forms.ModelMultipleChoiceField(
        label="Domaines à rouvrir (nouvelle formation puis évaluation finale)",
        queryset=Domain.objects.none(),
        widget=forms.SelectMultiple,
        required=False,
        help_text="Laissez vide pour renvoyer le dossier complété au jury.",
    )

    def __init__(self, *args: Any, case_file: CaseFile, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        reopened = cast(forms.ModelMultipleChoiceField, self.fields["reopened_domains"])
        reopened.queryset = acquired_domains_of(case_file)
