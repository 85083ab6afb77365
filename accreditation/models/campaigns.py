"""Accreditation campaigns: time-boxed calls for applications, with their fees and their review criteria."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

from .reference import Certification


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", "Brouillon"
    OPEN = "open", "Ouverte"
    CLOSED = "closed", "Close aux dépôts"
    IN_REVIEW = "in_review", "En instruction"
    DECIDED = "decided", "Décidée"
    ARCHIVED = "archived", "Archivée"


class CampaignAudience(models.TextChoices):
    NEW = "new", "Nouveaux entrants"
    RENEWAL = "renewal", "Renouvellements"
    BOTH = "both", "Nouveaux entrants et renouvellements"


class AccreditationCampaign(models.Model):
    name = models.CharField("intitulé", max_length=200)
    certifications = models.ManyToManyField(Certification, verbose_name="certifications", related_name="+")
    opens_evaluator = models.BooleanField("ouverte aux organismes évaluateurs", default=True)
    opens_trainer = models.BooleanField("ouverte aux organismes de formation", default=False)
    audience = models.CharField("public", max_length=10, choices=CampaignAudience.choices, default="both")
    opens_on = models.DateField("ouverture des dépôts")
    deadline = models.DateField("date limite de dépôt")
    board_on = models.DateField("conseil d'administration")
    fee_per_application = models.DecimalField(
        "frais par dossier (€ HT)",
        max_digits=8,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    fee_per_site = models.DecimalField(
        "frais par SIRET (€ HT)",
        max_digits=8,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    status = models.CharField(
        "statut", max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    created_at = models.DateTimeField("créée le", default=timezone.now)

    class Meta:
        verbose_name = "campagne d'habilitation"
        verbose_name_plural = "campagnes d'habilitation"
        ordering = ["-opens_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(deadline__gte=models.F("opens_on")), name="campaign_deadline_after_opening"
            ),
            models.CheckConstraint(
                condition=models.Q(board_on__gte=models.F("deadline")), name="campaign_board_after_deadline"
            ),
            models.CheckConstraint(
                condition=models.Q(opens_evaluator=True) | models.Q(opens_trainer=True),
                name="campaign_opens_a_role",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("campagnes:detail", kwargs={"pk": self.pk})

    def accepts_applications(self, on: object = None) -> bool:
        """Open, and the day is between the opening and the deadline (both included)."""
        day = on or timezone.localdate()
        return self.status == CampaignStatus.OPEN and self.opens_on <= day <= self.deadline  # type: ignore[operator]


class ReviewCriterion(models.Model):
    """One line of the campaign's review grid: case officers score each application on it."""

    campaign = models.ForeignKey(AccreditationCampaign, on_delete=models.CASCADE, related_name="criteria")
    position = models.PositiveSmallIntegerField("ordre")
    label = models.CharField("critère", max_length=300)
    max_score = models.PositiveSmallIntegerField(
        "note maximale", default=5, validators=[MinValueValidator(1)]
    )

    class Meta:
        verbose_name = "critère d'instruction"
        verbose_name_plural = "grille d'instruction"
        ordering = ["campaign", "position"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "position"], name="review_criterion_position_unique")
        ]

    def __str__(self) -> str:
        return self.label
