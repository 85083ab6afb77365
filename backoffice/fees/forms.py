"""The fees' forms: a period to compute, a schedule and its rates. They read the input; the services decide
(a negative amount, a VAT rate out of range, a retroactive date: refused there, with French messages)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from accreditation.models import Certification

from .models import FeeKind, FeeSchedule
from .rules import previous_quarter

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PeriodForm(forms.Form):
    start = forms.DateField(label="Du", widget=DATE)
    end = forms.DateField(label="Au", widget=DATE)

    @classmethod
    def for_today(cls, today: dt.date) -> PeriodForm:
        start, end = previous_quarter(today)
        return cls(initial={"start": start, "end": end})

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError("La date de fin de la période doit suivre sa date de début.")
        return data


class ScheduleForm(forms.Form):
    """A schedule: its certification and date, then for each kind of act an amount (empty: « non tarifé »),
    a VAT rate and whether the amount is still to confirm."""

    certification = forms.ModelChoiceField(Certification.objects.order_by("code"), label="Certification")
    valid_from = forms.DateField(label="En vigueur à partir du", widget=DATE)
    note = forms.CharField(label="Note", max_length=300, required=False)

    def __init__(self, *args: Any, schedule: FeeSchedule | None = None, **kwargs: Any) -> None:
        if schedule is not None:
            kwargs.setdefault("initial", self.initial_of(schedule))
        super().__init__(*args, **kwargs)
        for kind in FeeKind:
            self.fields[f"amount_{kind.value}"] = forms.DecimalField(
                label=f"{kind.label} — montant HT (€)",
                required=False,
                max_digits=10,
                decimal_places=2,
                localize=True,
            )
            self.fields[f"vat_{kind.value}"] = forms.DecimalField(
                label=f"{kind.label} — TVA (%)",
                initial=Decimal("20.00"),
                max_digits=5,
                decimal_places=2,
                localize=True,
            )
            self.fields[f"confirm_{kind.value}"] = forms.BooleanField(
                label=f"{kind.label} — à confirmer", required=False
            )

    @staticmethod
    def initial_of(schedule: FeeSchedule) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "certification": schedule.certification_id,
            "valid_from": schedule.valid_from,
            "note": schedule.note,
        }
        for rate in schedule.rates.all():
            initial[f"amount_{rate.kind}"] = rate.amount_ht
            initial[f"vat_{rate.kind}"] = rate.vat_rate
            initial[f"confirm_{rate.kind}"] = rate.to_confirm
        return initial

    def main_fields(self) -> list[Any]:
        return [self["certification"], self["valid_from"], self["note"]]

    def rows(self) -> list[tuple[str, Any, Any, Any]]:
        """The rates' fields, one row per kind of act (for the template)."""
        return [
            (
                kind.label,
                self[f"amount_{kind.value}"],
                self[f"vat_{kind.value}"],
                self[f"confirm_{kind.value}"],
            )
            for kind in FeeKind
        ]

    def rates(self) -> dict[str, tuple[Decimal, Decimal, bool] | None]:
        data = self.cleaned_data
        return {
            kind.value: None
            if data.get(f"amount_{kind.value}") is None
            else (data[f"amount_{kind.value}"], data[f"vat_{kind.value}"], data[f"confirm_{kind.value}"])
            for kind in FeeKind
        }

    def refused(self, error: ValidationError) -> None:
        """Show a service's refusal beside the fields it names (a kind's rate, the date), else above."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for key, errors in error.error_dict.items():
            field = key if key in self.fields else f"amount_{key}" if f"amount_{key}" in self.fields else None
            for message in errors:
                self.add_error(field, message)
