"""Candidates and their case files: one candidate's pathway towards one certification."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

from accreditation.models import Certification, Domain, FrameworkVersion, Site
from backoffice.core.legacy.models import batch_field
from backoffice.core.uploads import StoredDocument
from casefiles.rules.holders import birthplace_errors, normalised_birthplace
from casefiles.rules.identity import identity_key, validate_person_name


class CandidateStatus(models.TextChoices):
    JOBSEEKER = "jobseeker", "Demandeur·se d'emploi"
    EMPLOYEE = "employee", "Salarié·e"
    OTHER = "other", "Autre"


class Sex(models.TextChoices):
    FEMALE = "F", "Femme"
    MALE = "M", "Homme"


class Referrer(models.TextChoices):
    EMPLOYER = "employer", "Employeur"
    OPCO = "opco", "OPCO"
    REGION = "region", "Région"
    FRANCE_TRAVAIL = "france_travail", "France Travail"
    CEP = "cep", "Conseil en évolution professionnelle"
    MISSION_LOCALE = "mission_locale", "Mission locale"
    CAP_EMPLOI = "cap_emploi", "Cap emploi"
    TRANSITIONS_PRO = "transitions_pro", "Transitions Pro"
    OTHER = "other", "Autre"


class Funding(models.TextChoices):
    """How the pathway is paid for (CléA and CléA Numérique are eligible to Pro-A since 2020)."""

    CPF = "cpf", "CPF (compte personnel de formation)"
    PRO_A = "pro_a", "Pro-A (reconversion ou promotion par alternance)"
    EMPLOYER_PLAN = "employer_plan", "Plan de développement des compétences de l'employeur"
    OPCO = "opco", "OPCO"
    REGION = "region", "Région"
    FRANCE_TRAVAIL = "france_travail", "France Travail (AIF)"
    OTHER = "other", "Autre"


class Candidate(models.Model):
    """A person seeking a certificate. Personal data: minimal, purged after the retention period."""

    # The candidate's fields, listed once (opening form, bulk writers, import contract, rectification):
    # who the person is (never updated by an import; kept in `identity_key`) …
    IDENTITY_FIELDS: ClassVar[tuple[str, ...]] = ("last_name", "first_name", "birth_date")
    # … and what may change about them (contact, situation, project).
    PROFILE_FIELDS: ClassVar[tuple[str, ...]] = ("sex", "email", "phone", "postcode", "status", "sector")
    # … and what the training-account system (CDC) also matches a holder on: birth name, other first names,
    # place of birth (docs/personal-data.md). Corrected by an import like the contact, not part of the key.
    BIRTH_FIELDS: ClassVar[tuple[str, ...]] = (
        "birth_name",
        "first_name_2",
        "first_name_3",
        "birth_commune_code",
        "birth_country_code",
    )
    FIELDS: ClassVar[tuple[str, ...]] = IDENTITY_FIELDS + PROFILE_FIELDS + BIRTH_FIELDS

    last_name = models.CharField("nom", max_length=100, validators=[validate_person_name])
    first_name = models.CharField("prénom", max_length=100, validators=[validate_person_name])
    birth_date = models.DateField("date de naissance")
    # Empty: not known yet (the CDC then cannot match the holder) — never "same as the name": an import or
    # the form says it, the demo and the factories copy the name when the person has no other.
    # Empty in the database too (`db_default`): the bulk paths (COPY) that predate them write rows without.
    birth_name = models.CharField(
        "nom de naissance",
        max_length=100,
        blank=True,
        default="",
        db_default="",
        validators=[validate_person_name],
    )
    first_name_2 = models.CharField(
        "deuxième prénom",
        max_length=100,
        blank=True,
        default="",
        db_default="",
        validators=[validate_person_name],
    )
    first_name_3 = models.CharField(
        "troisième prénom",
        max_length=100,
        blank=True,
        default="",
        db_default="",
        validators=[validate_person_name],
    )
    # One of the two, checked against the INSEE reference (`casefiles.rules.holders.birthplace_errors`):
    # the commune for a person born in France, the country (99XXX) for a person born abroad.
    birth_commune_code = models.CharField(
        "commune de naissance", max_length=5, blank=True, default="", db_default=""
    )
    birth_country_code = models.CharField(
        "pays de naissance", max_length=5, blank=True, default="", db_default=""
    )
    sex = models.CharField("sexe", max_length=1, choices=Sex.choices, blank=True)
    email = models.EmailField("e-mail", blank=True)
    phone = models.CharField("téléphone", max_length=20, blank=True)
    postcode = models.CharField(
        "code postal",
        max_length=5,
        validators=[RegexValidator(r"^\d{5}$", "Le code postal doit comporter 5 chiffres.")],
    )
    status = models.CharField("statut", max_length=10, choices=CandidateStatus.choices)
    sector = models.CharField("secteur du projet professionnel", max_length=100, blank=True)
    created_at = models.DateTimeField("créé le", default=timezone.now, editable=False)
    # Set by the retention job (casefiles/services/privacy.py): identity and contact are gone for good.
    anonymised_on = models.DateField("anonymisé·e le", null=True, blank=True, editable=False)
    legacy_batch = batch_field()
    # Name, first name and birth date as the identity rule compares them (casefiles/rules/identity.py),
    # kept by `save` and by the bulk writers: one person, one record, found by one exact index lookup.
    identity_key = models.CharField("clé d'identité", max_length=250, blank=True, editable=False)

    class Meta:
        verbose_name = "candidat·e"
        verbose_name_plural = "candidat·es"
        ordering = ["last_name", "first_name"]
        indexes = [  # one person, one record: found by their identity key
            models.Index(fields=["identity_key"], name="candidate_identity_key_idx")
        ]

    def __str__(self) -> str:
        return self.display_name(self.last_name, self.first_name)

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.last_name and self.first_name and isinstance(self.birth_date, dt.date):
            self.identity_key = identity_key(self.last_name, self.first_name, self.birth_date)
        fields = kwargs.get("update_fields")
        if fields is not None and set(fields) & set(self.IDENTITY_FIELDS):
            kwargs["update_fields"] = {*fields, "identity_key"}
        super().save(*args, **kwargs)

    @staticmethod
    def display_name(last_name: str, first_name: str) -> str:
        """How a person is named everywhere (lists, events): DUPONT Marie."""
        return f"{last_name.upper()} {first_name}"

    def clean(self) -> None:
        super().clean()
        if self.birth_date and not (dt.date(1900, 1, 1) <= self.birth_date <= timezone.localdate()):
            raise ValidationError(
                {"birth_date": "La date de naissance est invalide (dans le futur ou avant 1900)."}
            )
        self.birth_commune_code, self.birth_country_code = normalised_birthplace(
            self.birth_commune_code, self.birth_country_code
        )
        problems = birthplace_errors(
            commune_code=self.birth_commune_code,
            country_code=self.birth_country_code,
            birth_date=self.birth_date if isinstance(self.birth_date, dt.date) else None,
        )
        if problems:
            raise ValidationError(problems)


class CaseFileState(models.TextChoices):
    POSITIONING = "positioning", "Évaluation préalable à réaliser"
    TRAINING = "training", "Plan de formation à établir"
    FINAL_EVALUATION = "final_evaluation", "Évaluation finale à réaliser"
    READY_FOR_JURY = "ready_for_jury", "Prêt pour le jury"
    RETURNED = "returned", "Renvoyé par le jury"
    CERTIFIED = "certified", "Certifié"
    REFUSED = "refused", "Refusé par le jury"
    ABANDONED = "abandoned", "Abandonné"
    EXPIRED = "expired", "Expiré"


OPEN_STATES = [
    CaseFileState.POSITIONING,
    CaseFileState.TRAINING,
    CaseFileState.FINAL_EVALUATION,
    CaseFileState.READY_FOR_JURY,
    CaseFileState.RETURNED,
]


class CaseFile(models.Model):
    """One candidate's pathway towards one certification, assessed against one framework version."""

    candidate = models.ForeignKey(
        Candidate, verbose_name="candidat·e", on_delete=models.PROTECT, related_name="case_files"
    )
    certification = models.ForeignKey(
        Certification, verbose_name="certification", on_delete=models.PROTECT, related_name="+"
    )
    framework_version = models.ForeignKey(
        FrameworkVersion,
        verbose_name="version du référentiel",
        on_delete=models.PROTECT,
        related_name="case_files",
    )
    evaluation_site = models.ForeignKey(  # indexed by (site, state) below
        Site,
        verbose_name="organisme évaluateur",
        on_delete=models.PROTECT,
        related_name="case_files",
        db_index=False,
    )
    reference = models.CharField("référence de l'organisme", max_length=50, blank=True)
    referrer = models.CharField("prescripteur", max_length=20, choices=Referrer.choices, blank=True)
    funding = models.CharField("financement", max_length=20, choices=Funding.choices, blank=True)
    # The funder as written when the list says less ("OPCO EP", "Agefiph", "CPF de transition").
    funding_note = models.CharField("précision du financement", max_length=100, blank=True)
    state = models.CharField(
        "état", max_length=20, choices=CaseFileState.choices, default=CaseFileState.POSITIONING
    )
    opened_on = models.DateField("ouvert le")
    # The person's status as given at the opening: theirs may change later (an import, a rectification),
    # the outcome surveys count the status at entry. Empty when not known (taken over from the old system).
    status_at_opening = models.CharField(
        "statut à l'ouverture",
        max_length=10,
        choices=CandidateStatus.choices,
        blank=True,
        default="",
        db_default="",
    )
    positioned_on = models.DateField("évaluation préalable le", null=True, blank=True)
    expires_on = models.DateField("acquis valables jusqu'au", null=True, blank=True)
    ready_for_jury_on = models.DateField("prêt pour le jury le", null=True, blank=True)
    closed_on = models.DateField("clos le", null=True, blank=True)
    closing_reason = models.CharField("motif de clôture", max_length=500, blank=True)
    returned_on = models.DateField("renvoyé par le jury le", null=True, blank=True)
    return_reason = models.CharField("motif du renvoi par le jury", max_length=1000, blank=True)
    process = models.OneToOneField(
        "viewflow.Process",
        verbose_name="processus",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="case_file",
    )
    legacy_batch = batch_field()

    class Meta:
        verbose_name = "dossier candidat"
        verbose_name_plural = "dossiers candidats"
        ordering = ["-opened_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["candidate", "certification"],
                condition=models.Q(state__in=OPEN_STATES),
                name="casefile_one_open_per_certification",
            ),
        ]
        indexes = [
            models.Index(fields=["evaluation_site", "state"], name="casefile_site_state_idx"),
            # The organisation's own reference, by site: the natural key of imports.
            models.Index(fields=["evaluation_site", "reference"], name="casefile_site_reference_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.candidate} – {self.certification}"

    def get_absolute_url(self) -> str:
        return reverse("candidats:dossiers:detail", kwargs={"pk": self.pk})

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class AssessmentKind(models.TextChoices):
    POSITIONING = "positioning", "Évaluation préalable"
    FINAL = "final", "Évaluation finale"


class Assessment(models.Model):
    case_file = models.ForeignKey(
        CaseFile, verbose_name="dossier", on_delete=models.CASCADE, related_name="assessments"
    )
    kind = models.CharField("type", max_length=12, choices=AssessmentKind.choices)
    assessed_on = models.DateField("évalué le")
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="évaluateur·rice", on_delete=models.PROTECT, related_name="+"
    )
    training_plan = models.ForeignKey(
        "TrainingPlan",
        verbose_name="plan de formation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="final_assessments",
    )
    recorded_at = models.DateTimeField("saisi le", default=timezone.now)
    # What the assessor recorded, written once with the assessment and always read with it: one document
    # per assessment rather than some thirty rows (an import of 100,000 positionings wrote 2.8 million).
    results = models.JSONField(
        "résultats par sous-domaine", default=dict, help_text="code du sous-domaine → acquis (vrai/faux)"
    )
    criteria = models.JSONField(
        "critères", default=dict, blank=True, help_text="code du critère → satisfait, quand saisis un à un"
    )
    # How each sub-domain was decided: by its criteria (threshold and mandatory criterion), or, when absent
    # from this list, by the assessor's verdict recorded directly.
    decided_by_criteria = models.JSONField(
        "sous-domaines décidés par leurs critères",
        default=list,
        blank=True,
        help_text="codes des sous-domaines décidés par le seuil et le critère obligatoire ; "
        "les autres sont le verdict de l'évaluateur·rice",
    )

    class Meta:
        verbose_name = "évaluation"
        verbose_name_plural = "évaluations"
        ordering = ["assessed_on", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} du {self.assessed_on:%d/%m/%Y}"


class DomainStatus(models.TextChoices):
    NOT_ASSESSED = "not_assessed", "Non évalué"
    ACQUIRED = "acquired", "Acquis"
    TO_TRAIN = "to_train", "À former"
    LAPSED = "lapsed", "Caduc"


class DomainAcquisition(models.Model):
    """One row of the file's domain grid; it always stays on the record, whatever the jury decides."""

    # Looked up by file (and domain) through the unique constraint's index: no index of their own, which
    # each of the six or seven rows a new file writes would also maintain.
    case_file = models.ForeignKey(
        CaseFile, on_delete=models.CASCADE, related_name="domain_grid", db_index=False
    )
    domain = models.ForeignKey(Domain, on_delete=models.PROTECT, related_name="+", db_index=False)
    status = models.CharField(
        "statut", max_length=12, choices=DomainStatus.choices, default=DomainStatus.NOT_ASSESSED
    )
    acquired_on = models.DateField("acquis le", null=True, blank=True)
    source = models.ForeignKey(
        Assessment,
        verbose_name="évaluation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "acquisition de domaine"
        verbose_name_plural = "grille des domaines"
        ordering = ["domain__position"]
        constraints = [
            models.UniqueConstraint(fields=["case_file", "domain"], name="domain_acquisition_unique")
        ]

    def __str__(self) -> str:
        return f"{self.domain.code} : {self.get_status_display()}"


class TrainingPlan(models.Model):
    case_file = models.ForeignKey(CaseFile, on_delete=models.CASCADE, related_name="training_plans")
    number = models.PositiveSmallIntegerField("numéro")
    training_site = models.ForeignKey(
        Site, verbose_name="organisme de formation", on_delete=models.PROTECT, related_name="+"
    )
    trainer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="formateur·rice", on_delete=models.PROTECT, related_name="+"
    )
    domains = models.ManyToManyField(Domain, verbose_name="domaines visés", related_name="+")
    hours = models.PositiveSmallIntegerField("heures", validators=[MinValueValidator(1)])
    starts_on = models.DateField("début")
    ends_on = models.DateField("fin")
    created_at = models.DateTimeField("établi le", default=timezone.now)

    class Meta:
        verbose_name = "plan de formation"
        verbose_name_plural = "plans de formation"
        ordering = ["case_file", "number"]
        constraints = [
            models.UniqueConstraint(fields=["case_file", "number"], name="training_plan_number_unique"),
            models.CheckConstraint(condition=models.Q(hours__gte=1), name="training_plan_hours_positive"),
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="training_plan_dates"
            ),
        ]

    def __str__(self) -> str:
        return f"Plan de formation n° {self.number}"


class DocumentCategory(models.TextChoices):
    POSITIONING_REPORT = "positioning_report", "Compte rendu de l'évaluation préalable"
    TRAINING_PLAN = "training_plan", "Plan de formation signé"
    ATTENDANCE = "attendance", "Attestation de présence en formation"
    FINAL_REPORT = "final_report", "Compte rendu de l'évaluation finale"
    JURY_ANSWER = "jury_answer", "Pièce complémentaire pour le jury"
    OTHER = "other", "Autre pièce"


def document_path(document: CaseFileDocument, filename: str) -> str:
    # Never the uploaded name on disk: it may hold personal data or path tricks.
    return f"dossiers/{document.case_file_id}/{document.sha256[:32]}"


class CaseFileDocument(StoredDocument):
    """A file joined to a case file (PDF or image), served only through an access-checked view."""

    case_file = models.ForeignKey(
        CaseFile, verbose_name="dossier", on_delete=models.CASCADE, related_name="documents"
    )
    category = models.CharField("catégorie", max_length=20, choices=DocumentCategory.choices)
    file = models.FileField("fichier", upload_to=document_path, max_length=200)

    class Meta:
        verbose_name = "pièce du dossier"
        verbose_name_plural = "pièces du dossier"
        ordering = ["case_file", "category", "uploaded_at"]
        constraints = [
            models.UniqueConstraint(fields=["case_file", "sha256"], name="casefile_document_unique_content")
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} : {self.original_name}"
