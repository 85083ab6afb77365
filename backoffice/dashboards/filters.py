"""The filters of a dashboard, read from the URL (a view can be shared) and bounded by the person's scope:
a region outside it is refused with a French message, never silently widened."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils import timezone

from accreditation.models import Certification, Region
from accreditation.scoping import scope_of
from accreditation.selectors import regions_for

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DashboardFilterForm(forms.Form):
    region = forms.ModelChoiceField(
        Region.objects.none(), label="Région", required=False, empty_label="Toutes"
    )
    certification = forms.ModelChoiceField(
        Certification.objects.order_by("code"), label="Certification", required=False, empty_label="Toutes"
    )
    start = forms.DateField(label="Du", required=False, widget=DATE)
    end = forms.DateField(label="Au", required=False, widget=DATE)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions_for(user).order_by("name")  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError("La date de début doit précéder la date de fin.")
        return data


@dataclass
class Filters:
    """What a dashboard shows: the regions in scope (or the one chosen), a certification, a period."""

    region_ids: list[int] | None  # None: national
    certification_id: int | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    params: dict[str, str] = field(default_factory=dict)  # as in the URL, for links and exports

    def regions_q(self, path: str) -> Q:
        """A condition on `path` (e.g. "process__case_file__evaluation_site__region"): the regions shown."""
        return Q() if self.region_ids is None else Q(**{f"{path}__in": self.region_ids})

    def certification_q(self, path: str) -> Q:
        return Q() if self.certification_id is None else Q(**{path: self.certification_id})

    def period_q(self, path: str) -> Q:
        q = Q()
        if self.start:
            q &= Q(**{f"{path}__gte": self.start})
        if self.end:
            q &= Q(**{f"{path}__lte": self.end})
        return q

    def query(self, **extra: Any) -> str:
        return urlencode({**self.params, **{k: v for k, v in extra.items() if v not in (None, "")}})


def read_filters(user: Any, data: QueryDict) -> tuple[DashboardFilterForm, Filters | None]:
    """The form (with its French errors) and, when valid, the filters within the person's scope."""
    form = DashboardFilterForm(data or None, user=user)
    if data and not form.is_valid():
        return form, None
    cleaned = form.cleaned_data if data else {}
    scope = scope_of(user)
    region = cleaned.get("region")
    if region is not None:
        region_ids: list[int] | None = [region.pk]
    elif scope.national:
        region_ids = None
    else:
        region_ids = sorted(scope.region_ids)
    params = {key: str(data.get(key)) for key in ("region", "certification", "start", "end") if data.get(key)}
    certification = cleaned.get("certification")
    return form, Filters(
        region_ids=region_ids,
        certification_id=certification.pk if certification else None,
        start=cleaned.get("start"),
        end=cleaned.get("end"),
        params=params,
    )


def today() -> dt.date:
    return timezone.localdate()


def in_scope(queryset: QuerySet, filters: Filters, *, region: str, certification: str) -> QuerySet:
    return queryset.filter(filters.regions_q(region), filters.certification_q(certification))
