"""Regional joint juries: sessions, their members by college, the agenda of files, declarations and votes."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

from accreditation.models import Region
from backoffice.core.legacy.models import batch_field

from .files import CaseFile


class Majority(models.TextChoices):
    """How many of the votes cast (members present and not recused) a decision needs."""

    ABSOLUTE = "absolute", "Majorité absolue (plus de la moitié des votes exprimés)"
    TWO_THIRDS = "two_thirds", "Majorité des deux tiers des votes exprimés"


class JuryRule(models.Model):
    """A region's quorum, majority and cut-off; regions without a row use the defaults."""

    region = models.OneToOneField(Region, verbose_name="région", on_delete=models.CASCADE, related_name="+")
    min_present = models.PositiveSmallIntegerField(
        "membres présents au minimum", default=2, validators=[MinValueValidator(1)]
    )
    min_per_college = models.PositiveSmallIntegerField("membres par collège au minimum", default=1)
    cutoff_working_days = models.PositiveSmallIntegerField(
        "date limite (jours ouvrés avant la session)", default=10
    )
    majority = models.CharField(
        "majorité requise", max_length=10, choices=Majority.choices, default=Majority.ABSOLUTE
    )
    president_casting_vote = models.BooleanField(
        "voix prépondérante de la présidence",
        default=True,
        help_text="En cas d'égalité exacte entre deux choix seulement, le choix de la présidence l'emporte.",
    )

    class Meta:
        verbose_name = "règle de jury régionale"
        verbose_name_plural = "règles de jury régionales"

    def __str__(self) -> str:
        return f"Règle du jury {self.region}"

    def clean(self) -> None:
        super().clean()
        # A two-way tie is half the votes: under two thirds a casting vote would decide below the majority.
        if self.majority == Majority.TWO_THIRDS and self.president_casting_vote:
            raise ValidationError(
                {
                    "president_casting_vote": "La voix prépondérante ne départage qu'en majorité absolue : "
                    "avec la majorité des deux tiers, une égalité ne décide rien."
                }
            )


class JurySessionStatus(models.TextChoices):
    PLANNED = "planned", "Planifiée"
    OPEN = "open", "Ouverte"
    CLOSED = "closed", "Close"


class JurySession(models.Model):
    region = models.ForeignKey(Region, verbose_name="région", on_delete=models.PROTECT, related_name="+")
    held_on = models.DateField("date de la session")
    place = models.CharField("lieu", max_length=200, blank=True)
    remote = models.BooleanField("à distance", default=False)
    status = models.CharField(
        "statut", max_length=10, choices=JurySessionStatus.choices, default=JurySessionStatus.PLANNED
    )
    cutoff_on = models.DateField("date limite de dépôt des dossiers")
    opened_at = models.DateTimeField("ouverte le", null=True, blank=True)
    closed_at = models.DateTimeField("close le", null=True, blank=True)
    minutes = models.FileField("procès-verbal", upload_to="jurys/proces-verbaux/", blank=True)
    created_at = models.DateTimeField("créée le", default=timezone.now)
    legacy_batch = batch_field()

    class Meta:
        verbose_name = "session de jury"
        verbose_name_plural = "sessions de jury"
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["region", "status", "held_on"], name="jurysession_region_idx")]

    def __str__(self) -> str:
        return f"Jury {self.region} du {self.held_on:%d/%m/%Y}"

    def get_absolute_url(self) -> str:
        return reverse("jurys:session", kwargs={"pk": self.pk})

    def minutes_url(self) -> str:
        """The minutes PDF, as recorded in the audit trail at closing (append-only: its pattern must stay)."""
        return reverse("jurys:minutes", kwargs={"pk": self.pk})


class College(models.TextChoices):
    EMPLOYERS = "employers", "Collège employeurs"
    EMPLOYEES = "employees", "Collège salariés"


class JuryMember(models.Model):
    session = models.ForeignKey(JurySession, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="membre", on_delete=models.PROTECT, related_name="+"
    )
    college = models.CharField("collège", max_length=10, choices=College.choices)
    is_president = models.BooleanField("président·e", default=False)
    present = models.BooleanField("présent·e", default=False)

    class Meta:
        verbose_name = "membre du jury"
        verbose_name_plural = "membres du jury"
        ordering = ["-is_president", "college", "user__last_name"]
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="jurymember_once_per_session"),
            models.UniqueConstraint(
                fields=["session"], condition=models.Q(is_president=True), name="jurymember_one_president"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_college_display()}{', président·e' if self.is_president else ''})"


class Decision(models.TextChoices):
    AWARD = "award", "Attribuer le certificat"
    RETURN = "return", "Renvoyer à l'organisme évaluateur"
    REFUSE = "refuse", "Refuser"


class AgendaItem(models.Model):
    """One file on a session's agenda, with the officer's check and, once taken, the jury's decision."""

    session = models.ForeignKey(JurySession, on_delete=models.CASCADE, related_name="agenda")
    case_file = models.ForeignKey(
        CaseFile, verbose_name="dossier", on_delete=models.PROTECT, related_name="+"
    )
    recommended = models.BooleanField("attribution recommandée par l'instruction", default=False)
    officer_note = models.CharField("avis de l'instruction", max_length=1000, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="instruit par",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decision = models.CharField("décision", max_length=10, choices=Decision.choices, blank=True)
    reason = models.CharField("motif", max_length=1000, blank=True)
    decided_at = models.DateTimeField("décidé le", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="enregistré par",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Without a majority the members may defer the file to a later session: nothing is decided here.
    adjourned_at = models.DateTimeField("ajourné le", null=True, blank=True)
    adjournment_reason = models.CharField("motif de l'ajournement", max_length=1000, blank=True)
    adjourned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="ajourné par",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "dossier à l'ordre du jour"
        verbose_name_plural = "ordre du jour"
        ordering = ["session", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "case_file"], name="agenda_file_once_per_session"),
            models.CheckConstraint(
                condition=models.Q(adjourned_at=None) | models.Q(decision=""),
                name="agenda_decided_or_adjourned",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_file} ({self.session})"

    @property
    def adjourned(self) -> bool:
        return self.adjourned_at is not None

    @property
    def pending(self) -> bool:
        """Still to be decided in this session: neither decided nor adjourned."""
        return not self.decision and self.adjourned_at is None


class ConflictDeclaration(models.Model):
    """Before opening a file a member declares no conflict of interest, or recuses themselves."""

    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="declarations")
    member = models.ForeignKey(JuryMember, on_delete=models.CASCADE, related_name="declarations")
    recused = models.BooleanField("récusé·e")
    declared_at = models.DateTimeField("déclaré le", default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["item", "member"], name="declaration_once_per_member"),
        ]

    def __str__(self) -> str:
        return f"{self.member}: {'récusé·e' if self.recused else 'aucun conflit'}"


class Vote(models.Model):
    """One member's ballot in one round of votes on a file (a round without a majority leads to another)."""

    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="votes")
    member = models.ForeignKey(JuryMember, on_delete=models.CASCADE, related_name="votes")
    round = models.PositiveSmallIntegerField("tour", default=1, validators=[MinValueValidator(1)])
    choice = models.CharField("vote", max_length=10, choices=Decision.choices)

    class Meta:
        ordering = ["round", "id"]
        constraints = [
            models.UniqueConstraint(fields=["item", "round", "member"], name="vote_once_per_member_and_round")
        ]

    def __str__(self) -> str:
        return f"{self.member}: {self.get_choice_display()}"
