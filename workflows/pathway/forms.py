"""Task forms of the candidate pathway: each shows what its step needs, and validates only input."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone

from accreditation.models import (
    Accreditation,
    AccreditationRole,
    Certification,
    Criterion,
    Domain,
    Site,
    SubDomain,
)
from accreditation.scoping import scope_of
from backoffice.core.accounts.models import User
from backoffice.core.accounts.roles import Role, group_name
from casefiles.models import Candidate, CandidateStatus, CaseFile, DomainStatus, Funding, Referrer, Sex
from casefiles.rules.identity import validate_person_name

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
RESULT_CHOICES = [("A", "Acquis"), ("NA", "Non acquis")]


def staff_of(site: Site, *roles: Role) -> QuerySet[User]:
    """Active people of the site's organisation holding one of the roles."""
    return (
        User.objects.filter(
            is_active=True,
            scope__organisation_id=site.organisation_id,
            groups__name__in=[group_name(r) for r in roles],
        )
        .distinct()
        .order_by("last_name", "first_name")
    )


class OpenCaseFileForm(forms.Form):
    site = forms.ModelChoiceField(label="Établissement évaluateur", queryset=Site.objects.none())
    certification = forms.ModelChoiceField(label="Certification", queryset=Certification.objects.all())
    opened_on = forms.DateField(label="Date d'accueil", widget=DATE, initial=timezone.localdate)
    last_name = forms.CharField(label="Nom", max_length=100, validators=[validate_person_name])
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
        # A file of a past year is opened at the site accredited on its opening date, even if that
        # accreditation has ended since: the service judges the site on that date.
        accredited = Accreditation.objects.filter(role=AccreditationRole.EVALUATOR).values("site_id")
        site = cast(forms.ModelChoiceField, self.fields["site"])
        site.queryset = Site.objects.filter(
            # A user without an organisation (None: IS NULL) is offered no site.
            organisation_id=scope_of(user).organisation_id,  # type: ignore[misc]
            pk__in=accredited,
        )

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
        subdomains = SubDomain.objects.filter(domain__framework_version=case_file.framework_version)
        if domains is not None:
            subdomains = subdomains.filter(domain__in=domains)
        subdomains = subdomains.select_related("domain").order_by("domain__position", "position")
        choices = RESULT_CHOICES
        self.codes = [(s.code, f"{s.code} {s.label}") for s in subdomains]
        if by_criteria:
            criteria = Criterion.objects.filter(subdomain__in=subdomains).order_by(
                "subdomain__domain__position", "subdomain__position", "position"
            )
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
    training_site = forms.ModelChoiceField(label="Organisme de formation", queryset=Site.objects.all())
    trainer = forms.ModelChoiceField(label="Formateur·rice", queryset=User.objects.none())
    hours = forms.IntegerField(label="Nombre d'heures", min_value=0, max_value=1000)
    starts_on = forms.DateField(label="Début", widget=DATE)
    ends_on = forms.DateField(label="Fin", widget=DATE)

    def __init__(self, *args: Any, case_file: CaseFile, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        to_train = case_file.domain_grid.filter(status=DomainStatus.TO_TRAIN).values("domain_id")
        domains = cast(forms.ModelMultipleChoiceField, self.fields["domains"])
        domains.queryset = Domain.objects.filter(pk__in=to_train).order_by("position")
        domains.initial = list(domains.queryset)
        # The evaluator's own organisation, or organisations of the file's region accredited as trainers for
        # this certification since the file opened (the service checks every day of the plan): no national
        # directory of people.
        trainers = (
            Accreditation.objects.filter(valid_to__gte=case_file.opened_on)
            .filter(
                role=AccreditationRole.TRAINER,
                certification=case_file.certification_id,
                site__region_id=case_file.evaluation_site.region_id,
            )
            .values("site_id")
        )
        own = case_file.evaluation_site.organisation_id
        sites = Site.objects.filter(Q(organisation_id=own) | Q(pk__in=trainers))
        training_site = cast(forms.ModelChoiceField, self.fields["training_site"])
        training_site.queryset = sites.select_related("organisation").order_by("name")
        trainer = cast(forms.ModelChoiceField, self.fields["trainer"])
        trainer.queryset = (
            User.objects.filter(
                is_active=True,
                groups__name__in=[group_name(Role.TRAINER_STAFF), group_name(Role.EVALUATOR_STAFF)],
                scope__organisation__in=sites.values("organisation_id"),
            )
            .distinct()
            .order_by("last_name")
        )
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
        acquired = case_file.domain_grid.filter(status=DomainStatus.ACQUIRED).values("domain_id")
        reopened = cast(forms.ModelMultipleChoiceField, self.fields["reopened_domains"])
        reopened.queryset = Domain.objects.filter(pk__in=acquired).order_by("position")
