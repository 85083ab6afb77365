"""Form fields for a place of birth: a text input that proposes names while typing (a datalist fed by
/lieux/…), whose value is the INSEE code. Without JavaScript the person types the code."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.urls import reverse_lazy

from .models import Commune, Country, PlaceKind
from .rules import find_commune, find_country, normalise_commune_code, normalise_country_code, search_key

# "Lyon (69) — 69123": the code is what follows the last dash (what the datalist proposes).
CHOICE_CODE = re.compile(r"[—–-]\s*([0-9][0-9AaBb][0-9]{3}|[0-9]{3})\s*$")


class PlaceInput(forms.TextInput):
    """A text input with a datalist of suggestions fetched from `url` (static/places/places.js)."""

    template_name = "places/widgets/place_input.html"

    def __init__(self, url: Any, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({"autocomplete": "off", "spellcheck": "false", **(attrs or {})})
        self.url = url

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        list_id = f"{widget['attrs'].get('id') or name}_choices"
        widget["attrs"].update({"list": list_id, "data-places-url": str(self.url)})
        widget["list_id"] = list_id
        return context


def _typed_code(value: str) -> str:
    """The code in "Lyon (69) — 69123", or the value itself."""
    match = CHOICE_CODE.search(value)
    return match.group(1) if match else value


class CommuneField(forms.CharField):
    """The INSEE code of a commune ("69123", or "Lyon (69) — 69123" as proposed, or a name borne by one
    current commune only)."""

    default_error_messages = {
        "unknown": "La commune {value} n'existe pas dans le code officiel géographique.",
        "ambiguous": "Plusieurs communes s'appellent « {value} » : choisissez-la dans la liste ou indiquez "
        "son code INSEE (5 caractères, par exemple 69123 pour Lyon).",
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", PlaceInput(reverse_lazy("places:communes")))
        kwargs.setdefault("max_length", 120)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> str:
        text = super().to_python(value)
        if not text:
            return ""
        code = normalise_commune_code(_typed_code(text))
        if find_commune(code) is not None:
            return code
        named = list(
            Commune.objects.filter(search_name=search_key(text), kind=PlaceKind.CURRENT).values_list(
                "code", flat=True
            )[:2]
        )
        if len(named) == 1:
            return named[0]
        key = "ambiguous" if named else "unknown"
        raise forms.ValidationError(self.error_messages[key].format(value=text), code=key)


class CountryField(forms.CharField):
    """The INSEE code of a country abroad ("99134", the CDC's "134", or "Espagne — 99134")."""

    default_error_messages = {
        "unknown": "Le pays {value} n'existe pas dans le code officiel géographique.",
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", PlaceInput(reverse_lazy("places:pays")))
        kwargs.setdefault("max_length", 120)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> str:
        text = super().to_python(value)
        if not text:
            return ""
        country = find_country(normalise_country_code(_typed_code(text)))
        if country is None:
            # A name typed in full (without JavaScript): "Espagne", "URSS", "Jersey".
            country = Country.objects.filter(search_name__contains=f"|{search_key(text)}|").first()
        if country is None:
            raise forms.ValidationError(self.error_messages["unknown"].format(value=text), code="unknown")
        return country.code
