"""Fee schedules (dated, per certification), the periods computed, the statements per organisation and their
lines per SIRET, each line traceable to the act it bills (docs/fees.md)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

from accreditation.models import Certification, Organisation, Site

FROZEN_MESSAGE = (
    "Ce relevé est émis : ses lignes ne se modifient plus (une correction va sur le relevé suivant)."
)


class FeeKind(models.TextChoices):
    """The kinds of acts a fee is charged for."""

    APPLICATION = "application", "Dossier de candidature"
    SITE = "site", "SIRET habilité"
    POSITIONING = "positioning", "Évaluation préalable"
    CERTIFICATE = "certificate", "Certificat délivré"
    DUPLICATE = "duplicate", "Duplicata de certificat"


class FeeSchedule(models.Model):
    """The fees of one certification from a date on; the schedule in force on an act's date prices it."""

    certification = models.ForeignKey(
        Certification, verbose_name="certification", on_delete=models.PROTECT, related_name="+"
    )
    valid_from = models.DateField("en vigueur à partir du")
    note = models.CharField("note", max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="créé par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("créé le", default=timezone.now)

    class Meta:
        verbose_name = "barème de redevances"
        verbose_name_plural = "barèmes de redevances"
        ordering = ["certification__code", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["certification", "valid_from"], name="fee_schedule_unique_date")
        ]

    def __str__(self) -> str:
        return f"Barème {self.certification} du {self.valid_from:%d/%m/%Y}"

    def rate_per_kind(self) -> list[tuple[str, FeeRate | None]]:
        """Each kind of act with its rate, or None (« non tarifé »), from the prefetched rates."""
        rates = {rate.kind: rate for rate in self.rates.all()}
        return [(kind.value, rates.get(kind.value)) for kind in FeeKind]


class FeeRate(models.Model):
    """One line of a schedule: the fee of one kind of act. A kind without a rate is « non tarifé »."""

    schedule = models.ForeignKey(FeeSchedule, on_delete=models.CASCADE, related_name="rates")
    kind = models.CharField("acte", max_length=12, choices=FeeKind.choices)
    amount_ht = models.DecimalField(
        "montant HT (€)",
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"), "Le montant ne peut pas être négatif.")],
    )
    vat_rate = models.DecimalField(
        "taux de TVA (%)",
        max_digits=5,
        decimal_places=2,
        default=Decimal("20.00"),
        validators=[
            MinValueValidator(Decimal("0"), "Le taux de TVA doit être compris entre 0 et 100 %%."),
            MaxValueValidator(Decimal("100"), "Le taux de TVA doit être compris entre 0 et 100 %%."),
        ],
    )
    to_confirm = models.BooleanField("à confirmer", default=False)

    class Meta:
        verbose_name = "tarif"
        verbose_name_plural = "tarifs"
        ordering = ["schedule", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["schedule", "kind"], name="fee_rate_one_per_kind"),
            models.CheckConstraint(condition=models.Q(amount_ht__gte=0), name="fee_rate_amount_positive"),
            models.CheckConstraint(
                condition=models.Q(vat_rate__gte=0, vat_rate__lte=100), name="fee_rate_vat_in_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} : {self.amount_ht} € HT"


class PeriodStatus(models.TextChoices):
    DRAFT = "draft", "Calculée (brouillon)"
    FROZEN = "frozen", "Relevés émis"


class FeePeriod(models.Model):
    """A period computed for every organisation at once: a preview while a draft, its statements numbered
    and immutable once frozen. Frozen periods never overlap."""

    start = models.DateField("du")
    end = models.DateField("au")
    status = models.CharField("statut", max_length=10, choices=PeriodStatus.choices, default="draft")
    computed_at = models.DateTimeField("calculée le", default=timezone.now)
    frozen_at = models.DateTimeField("émise le", null=True, blank=True)

    class Meta:
        verbose_name = "période de redevances"
        verbose_name_plural = "périodes de redevances"
        ordering = ["-start", "-end"]
        constraints = [
            models.UniqueConstraint(fields=["start", "end"], name="fee_period_unique"),
            models.CheckConstraint(condition=models.Q(end__gte=models.F("start")), name="fee_period_order"),
        ]

    def __str__(self) -> str:
        return f"du {self.start:%d/%m/%Y} au {self.end:%d/%m/%Y}"

    def get_absolute_url(self) -> str:
        return reverse("redevances:period", kwargs={"pk": self.pk})

    @property
    def is_frozen(self) -> bool:
        return self.status == PeriodStatus.FROZEN


class FeeLock(models.Model):
    """A row locked (SELECT … FOR UPDATE) while a period is computed or frozen: two computations run one
    after the other, never side by side."""

    name = models.CharField(max_length=20, unique=True)

    def __str__(self) -> str:
        return self.name


class StatementCounter(models.Model):
    """The last statement number given in a year; locked while numbers are taken (no gap, no duplicate)."""

    year = models.PositiveSmallIntegerField(unique=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"RDV-{self.year} : {self.last_number}"


class StatementStatus(models.TextChoices):
    DRAFT = "draft", "Brouillon"
    FROZEN = "frozen", "Émis"
    PAID = "paid", "Payé"


# What may still change on an issued statement: its payment, and its PDF once rendered.
MUTABLE_ONCE_ISSUED = frozenset({"status", "paid_at", "pdf"})


class Statement(models.Model):
    """What one organisation owes for one period (« relevé de redevances »), its lines grouped by SIRET."""

    period = models.ForeignKey(
        FeePeriod, verbose_name="période", on_delete=models.PROTECT, related_name="statements"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name="organisme", on_delete=models.PROTECT, related_name="fee_statements"
    )
    number = models.CharField("numéro", max_length=20, blank=True)
    status = models.CharField(
        "statut", max_length=10, choices=StatementStatus.choices, default=StatementStatus.DRAFT
    )
    total_ht = models.DecimalField("total HT (€)", max_digits=14, decimal_places=2, default=Decimal("0"))
    total_vat = models.DecimalField("total TVA (€)", max_digits=14, decimal_places=2, default=Decimal("0"))
    total_ttc = models.DecimalField("total TTC (€)", max_digits=14, decimal_places=2, default=Decimal("0"))
    unpriced = models.PositiveIntegerField("actes non tarifés", default=0)
    pdf = models.FileField("relevé (PDF)", upload_to="redevances/", blank=True)
    computed_at = models.DateTimeField("calculé le", default=timezone.now)
    frozen_at = models.DateTimeField("émis le", null=True, blank=True)
    paid_at = models.DateTimeField("payé le", null=True, blank=True)
    # The customer as it stood when the statement was issued: the PDF and the accounting file read these,
    # never the live organisation (renamed or moved since).
    customer_name = models.CharField("raison sociale à l'émission", max_length=200, blank=True)
    customer_siren = models.CharField("SIREN à l'émission", max_length=9, blank=True)
    customer_address = models.CharField("adresse à l'émission", max_length=420, blank=True)
    # Set at issue with the payment terms then in force (FEES_PAYMENT_DAYS); none when nothing is owed.
    due_on = models.DateField("échéance", null=True, blank=True)

    class Meta:
        verbose_name = "relevé de redevances"
        verbose_name_plural = "relevés de redevances"
        ordering = ["-period__start", "organisation__legal_name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["period", "organisation"], name="statement_one_per_period"),
            models.UniqueConstraint(
                fields=["number"], condition=~models.Q(number=""), name="statement_number_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"Relevé {self.number}" if self.number else f"Relevé (brouillon) {self.organisation}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            stored = Statement.objects.filter(pk=self.pk).values_list("status", flat=True).first()
            if stored not in (None, StatementStatus.DRAFT):
                self._ensure_issued_change(stored, kwargs.get("update_fields"))
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("redevances:detail", kwargs={"pk": self.pk})

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        if self.is_issued:
            raise ValidationError(FROZEN_MESSAGE)
        return super().delete(*args, **kwargs)

    @property
    def is_issued(self) -> bool:
        return self.status != StatementStatus.DRAFT

    @property
    def is_credit_note(self) -> bool:
        """A credit only (« avoir »): every priced line takes back an act billed before. A statement that also
        bills new acts stays a statement, even when its total is negative."""
        if self.total_ttc >= 0:
            return False
        priced = self.lines.exclude(amount_ttc=None)
        return not priced.filter(quantity__gt=0).exists()

    def _ensure_issued_change(self, stored: str, fields: Any) -> None:
        """Once issued, a statement only gets paid (issued → paid, once) and its PDF; nothing else changes."""
        if fields is None or not set(fields) <= MUTABLE_ONCE_ISSUED:
            raise ValidationError(FROZEN_MESSAGE)
        allowed = {stored} | ({StatementStatus.PAID} if stored == StatementStatus.FROZEN else set())
        if "status" in fields and self.status not in allowed:
            raise ValidationError(FROZEN_MESSAGE)


class StatementLine(models.Model):
    """One act billed (quantity 1) or credited (quantity -1, `credit_of` the line it reverses), priced by the
    schedule in force on the act's date; amounts are empty for an act « non tarifé »."""

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="lines")
    site = models.ForeignKey(
        Site, verbose_name="établissement", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The establishment as it stood when the line was computed (the last time: at issue), for the PDF.
    site_siret = models.CharField("SIRET à l'émission", max_length=14, blank=True)
    site_name = models.CharField("établissement à l'émission", max_length=200, blank=True)
    kind = models.CharField("acte", max_length=12, choices=FeeKind.choices)
    certification = models.ForeignKey(
        Certification, verbose_name="certification", on_delete=models.PROTECT, related_name="+"
    )
    # The act itself (kind, act_id, act_part): an assessment, a certificate, an application and one of its
    # certifications, an accreditation, the audit event of a duplicate (docs/fees.md).
    act_id = models.PositiveBigIntegerField("identifiant de l'acte")
    act_part = models.PositiveIntegerField("précision de l'acte", default=0)
    act_on = models.DateField("date de l'acte")
    label = models.CharField("libellé", max_length=200)
    # The page that shows the act (a case file, a certificate, an application, an accreditation).
    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    subject_id = models.PositiveBigIntegerField()
    quantity = models.SmallIntegerField("quantité", default=1)
    unit_price_ht = models.DecimalField("prix unitaire HT (€)", max_digits=10, decimal_places=2, null=True)
    vat_rate = models.DecimalField("taux de TVA (%)", max_digits=5, decimal_places=2, null=True)
    amount_ht = models.DecimalField("montant HT (€)", max_digits=12, decimal_places=2, null=True)
    amount_vat = models.DecimalField("TVA (€)", max_digits=12, decimal_places=2, null=True)
    amount_ttc = models.DecimalField("montant TTC (€)", max_digits=12, decimal_places=2, null=True)
    credit_of = models.ForeignKey(
        "self",
        verbose_name="avoir sur la ligne",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credits",
    )
    reason = models.CharField("motif", max_length=300, blank=True)

    class Meta:
        verbose_name = "ligne de relevé"
        verbose_name_plural = "lignes de relevé"
        ordering = ["statement", "site__siret", "act_on", "kind", "pk"]
        indexes = [models.Index(fields=["kind", "act_id", "act_part"], name="statement_line_act_idx")]

    def __str__(self) -> str:
        return self.label

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Neither a line of an issued statement (as stored) nor a line moved onto one changes.
        stored = StatementLine.objects.filter(pk=self.pk).values("statement_id") if self.pk else []
        issued = Statement.objects.exclude(status=StatementStatus.DRAFT)
        if issued.filter(models.Q(pk=self.statement_id) | models.Q(pk__in=stored)).exists():
            raise ValidationError(FROZEN_MESSAGE)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        if self.statement.is_issued:
            raise ValidationError(FROZEN_MESSAGE)
        return super().delete(*args, **kwargs)

    @property
    def is_priced(self) -> bool:
        return self.unit_price_ht is not None
