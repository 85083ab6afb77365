"""An organisation's application to a campaign: a resumable draft, then what was submitted, its documents."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from backoffice.core.uploads import StoredDocument

from .campaigns import AccreditationCampaign, ReviewCriterion
from .organisations import AccreditationRole, Organisation
from .reference import Certification


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", "Brouillon"
    SUBMITTED = "submitted", "Déposé, à vérifier"
    INFORMATION_REQUESTED = "info_req", "Complément demandé (délai suspendu)"
    IN_REVIEW = "in_review", "En instruction"
    REVIEWED = "reviewed", "Instruit, à proposer au conseil"
    PROPOSED = "proposed", "Proposé au conseil"
    DECIDED = "decided", "Décidé"
    EXPIRED = "expired", "Clos : complément non fourni"
    WITHDRAWN = "withdrawn", "Retiré par l'organisme"


class AccreditationApplication(models.Model):
    campaign = models.ForeignKey(
        AccreditationCampaign, verbose_name="campagne", on_delete=models.PROTECT, related_name="applications"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name="organisme", on_delete=models.PROTECT, related_name="applications"
    )
    status = models.CharField(
        "statut", max_length=10, choices=ApplicationStatus.choices, default=ApplicationStatus.DRAFT
    )
    # The wizard's steps as typed (resumable between sessions), then the validated content.
    draft = models.JSONField("brouillon", default=dict, blank=True)
    content = models.JSONField("contenu", default=dict, blank=True)
    # Searchable copies of the content (officers search by name, SIREN or SIRET).
    legal_name = models.CharField("raison sociale", max_length=200, blank=True)
    siren = models.CharField("SIREN", max_length=9, blank=True, db_index=True)
    sirets = models.CharField("SIRET des établissements", max_length=2000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="créé par", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("créé le", default=timezone.now)
    updated_at = models.DateTimeField("modifié le", default=timezone.now)
    submitted_at = models.DateTimeField("déposé le", null=True, blank=True)
    # The last request for information (the clock is paused until the organisation answers).
    request_message = models.CharField("complément demandé", max_length=2000, blank=True)
    answer_by = models.DateField("réponse attendue avant le", null=True, blank=True)
    # What the request names ({"documents": [category…], "sections": [section…], "questions": [text…]}):
    # after the campaign's deadline the organisation may change nothing else.
    requested = models.JSONField("éléments demandés", default=dict, blank=True)
    # The completeness check's clock: due at submission + APPLICATION_CHECK_DAYS; a request pauses it and the
    # answer resumes it with the time that was left.
    check_due_at = models.DateTimeField("échéance de la vérification de complétude", null=True, blank=True)
    clock_paused_at = models.DateTimeField("délai suspendu depuis le", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="instruit par",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recommendation = models.CharField("avis de l'instruction", max_length=2000, blank=True)
    decision_letter = models.FileField("lettre de décision", upload_to="candidatures/decisions/", blank=True)
    escalated = models.BooleanField("échéance dépassée (superviseurs)", default=False)
    process = models.OneToOneField(
        "viewflow.Process",
        verbose_name="processus",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="application",
    )

    class Meta:
        verbose_name = "dossier de candidature"
        verbose_name_plural = "dossiers de candidature"
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "organisation"],
                condition=~models.Q(status="withdrawn"),
                name="application_one_per_campaign",
            )
        ]

    def __str__(self) -> str:
        return f"{self.legal_name or self.organisation} — {self.campaign}"

    def get_absolute_url(self) -> str:
        return reverse("campagnes:application", kwargs={"pk": self.pk})


class ApplicationSection(models.TextChoices):
    """The parts of an application's content (its keys), in the wizard's order."""

    IDENTITY = "identity", "Identité de l'organisme"
    SITES = "sites", "Coordonnées des établissements"
    QUALIOPI = "qualiopi", "Certificat Qualiopi"
    PEOPLE = "people", "Évaluateurs et formateurs"
    METHODS = "methods", "Méthodes et outils"
    COMMITMENT = "commitment", "Engagement signé"


# What a request for information may reopen after the deadline: never the commitment, and for the
# establishments their details only (the scope asked, SIRET × certification × role, is frozen).
REQUESTABLE_SECTIONS = tuple(s for s in ApplicationSection if s != ApplicationSection.COMMITMENT)


class ApplicationDocumentCategory(models.TextChoices):
    KBIS = "kbis", "Extrait Kbis"
    QUALIOPI = "qualiopi", "Certificat Qualiopi"
    CV = "cv", "CV d'évaluateur ou de formateur"
    TOOLS = "tools", "Outils et méthodes d'évaluation"
    OTHER = "other", "Autre pièce"


MANDATORY_DOCUMENTS = (ApplicationDocumentCategory.KBIS, ApplicationDocumentCategory.QUALIOPI)


def application_document_path(document: ApplicationDocument, filename: str) -> str:
    return f"candidatures/{document.application_id}/{document.sha256[:32]}"


class ApplicationDocument(StoredDocument):
    application = models.ForeignKey(
        AccreditationApplication, on_delete=models.CASCADE, related_name="documents"
    )
    category = models.CharField("catégorie", max_length=10, choices=ApplicationDocumentCategory.choices)
    file = models.FileField("fichier", upload_to=application_document_path, max_length=200)

    class Meta:
        verbose_name = "pièce du dossier de candidature"
        verbose_name_plural = "pièces des dossiers de candidature"
        ordering = ["application", "category", "uploaded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "sha256"], name="application_document_unique_content"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} : {self.original_name}"


class ReviewScore(models.Model):
    """The case officer's score and comment on one criterion of the campaign's grid."""

    application = models.ForeignKey(AccreditationApplication, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(ReviewCriterion, on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField("note")
    comment = models.CharField("commentaire", max_length=1000, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["application", "criterion"], name="review_score_once_per_criterion"
            )
        ]

    def __str__(self) -> str:
        return f"{self.criterion} : {self.score}/{self.criterion.max_score}"


class ScopeDecision(models.Model):
    """The proposal to the board, then the board's decision, for one SIRET × certification × role asked."""

    application = models.ForeignKey(AccreditationApplication, on_delete=models.CASCADE, related_name="scopes")
    siret = models.CharField("SIRET", max_length=14)
    certification = models.ForeignKey(Certification, on_delete=models.PROTECT, related_name="+")
    role = models.CharField("rôle", max_length=10, choices=AccreditationRole.choices)
    proposed = models.BooleanField("accord proposé", null=True)
    accepted = models.BooleanField("accordé par le conseil", null=True)
    reason = models.CharField("motif", max_length=1000, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["application", "siret", "certification", "role"], name="scope_decision_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.siret} {self.certification} ({self.get_role_display()})"


class ApplicationNote(models.Model):
    """A case officer's internal note: Certif'Pro staff only, never shown to the organisation."""

    application = models.ForeignKey(AccreditationApplication, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.CharField("note", max_length=2000)
    created_at = models.DateTimeField("écrite le", default=timezone.now)

    class Meta:
        ordering = ["application", "created_at"]

    def __str__(self) -> str:
        return self.text[:60]
