"""Surveys of the holders' outcome at 6 and 12 months: the questionnaire versions, the surveys, the
invitations (personal: erased with the candidate) and the answers (anonymous: no link to a person)."""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from accreditation.models import Certification, Region
from casefiles.models import Candidate, Certificate

DEFAULT_DELAYS = [6, 12]


def default_delays() -> list[int]:
    return list(DEFAULT_DELAYS)


def new_nonce() -> str:
    """The invitation's random part of its links' HMAC (`tokens`): useless without the key."""
    return secrets.token_urlsafe(24)


class Questionnaire(models.Model):
    """One version of the questions, as data; a new version is a new row, past answers keep theirs."""

    version = models.PositiveIntegerField("version", unique=True)
    title = models.CharField("titre", max_length=200)
    questions = models.JSONField("questions", default=list)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "questionnaire"
        ordering = ["version"]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"

    def question(self, key: str) -> dict[str, Any] | None:
        return next((q for q in self.questions if q["key"] == key), None)


class SurveyStatus(models.TextChoices):
    DRAFT = "draft", "Brouillon"
    RUNNING = "running", "En cours"
    CLOSED = "closed", "Close"


class Survey(models.Model):
    title = models.CharField("titre", max_length=200)
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.PROTECT, related_name="surveys")
    certifications = models.ManyToManyField(Certification, verbose_name="certifications", related_name="+")
    regions = models.ManyToManyField(
        Region, verbose_name="régions (aucune : toutes)", related_name="+", blank=True
    )
    awarded_from = models.DateField("attribués à partir du")
    awarded_to = models.DateField("attribués jusqu'au")
    delays = models.JSONField("délais après l'attribution (mois)", default=default_delays)
    status = models.CharField(
        "statut", max_length=10, choices=SurveyStatus.choices, default=SurveyStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "enquête"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class Invitation(models.Model):
    """One holder invited to one wave; personal data, erased with the candidate. Of its links only their
    hashes are kept (the links are derived: `tokens`), and of the answers only the fact that there is one —
    not when (a day or a moment would pair the invitation with the answer written then)."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="invitations")
    wave_months = models.PositiveSmallIntegerField("vague (mois)")
    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="+")
    certificate = models.ForeignKey(Certificate, on_delete=models.SET_NULL, null=True, related_name="+")
    nonce = models.CharField(max_length=40, default=new_nonce, editable=False)
    # The answer link of the latest email (replaced at each reminder), the opt-out link of every email.
    token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    opt_out_hash = models.CharField(max_length=64, blank=True, db_index=True)
    sent_at = models.DateTimeField("envoyée le", null=True, blank=True)
    expires_at = models.DateTimeField("expire le")
    reminders = models.PositiveSmallIntegerField("relances", default=0)
    last_reminded_at = models.DateTimeField("dernière relance", null=True, blank=True)
    answered = models.BooleanField("a répondu", default=False)
    no_email = models.BooleanField("sans e-mail", default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "invitation"
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "wave_months", "candidate"], name="surveys_one_invitation_per_wave"
            )
        ]

    def __str__(self) -> str:
        return f"Invitation {self.pk} ({self.survey_id}, {self.wave_months} mois)"


class OptOut(models.Model):
    """The person asked never to be surveyed again: every later wave skips them."""

    candidate = models.OneToOneField(Candidate, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "désinscription"

    def __str__(self) -> str:
        return f"Désinscription {self.pk}"


class Answer(models.Model):
    """The answers of one person, kept apart from them: only the wave, the statistical cells and the month.
    Its key is random: a sequential one would give the answers' order, which the invitations' would match."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="answers")
    wave_months = models.PositiveSmallIntegerField("vague (mois)")
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.PROTECT, related_name="answers")
    certification_code = models.CharField("certification", max_length=40)
    region_code = models.CharField("région", max_length=3)
    age_band = models.CharField("tranche d'âge à l'attribution", max_length=8)
    status_at_entry = models.CharField("statut à l'entrée", max_length=10, blank=True)
    sex = models.CharField("sexe", max_length=1, blank=True)
    answers = models.JSONField("réponses", default=dict)
    created_on = models.DateField("mois de la réponse (premier jour)", default=timezone.localdate)

    class Meta:
        verbose_name = "réponse"

    def __str__(self) -> str:
        return f"Réponse {self.pk}"
