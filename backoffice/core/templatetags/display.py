"""How a value reads on a page: nothing missing shows as "None" or "nan" (an empty figure is "—"), numbers and
dates in the French way (`{% load display %}`, `{{ value|display }}`), and the sortable headers of our own
tables (`{% sort_header "Déposé le" "uploaded_at" %}`)."""

from __future__ import annotations

import datetime as dt
import decimal
import math
from typing import Any

from django import template
from django.contrib.staticfiles import finders
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from backoffice.core.sorting import SORT_PARAM, parse_sort

register = template.Library()
EMPTY = "—"


@register.filter
def display(value: Any) -> Any:
    """A cell as a reader expects it: "—" for nothing, 1 234,5 for a number, 3 mars 2025 for a date."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return EMPTY
    if isinstance(value, decimal.Decimal) and not value.is_finite():
        return EMPTY
    if isinstance(value, (int, float, decimal.Decimal)):
        return formats.number_format(value, use_l10n=True, force_grouping=True)
    if isinstance(value, dt.datetime):
        return formats.date_format(timezone.localtime(value), "j F Y à H:i")
    if isinstance(value, dt.date):
        return formats.date_format(value, "j F Y")
    return value


@register.simple_tag(takes_context=True)
def sort_header(context: Any, label: str, column: str, default: str = "") -> str:
    """A table header that sorts by `column`: a click sorts ascending, a second click descending; the
    arrow and `aria-sort` say the order shown (`default`: the list's order when none is chosen)."""
    request = context["request"]
    current, descending = parse_sort(request.GET.get(SORT_PARAM) or default)
    query = request.GET.copy()
    query.pop("page", None)
    active = current == column
    query[SORT_PARAM] = f"-{column}" if active and not descending else column
    state = ("descending" if descending else "ascending") if active else "none"
    arrow = ("↓" if descending else "↑") if active else ""
    return format_html(
        '<th aria-sort="{}"><a class="bo-sort" href="?{}">{}{}</a></th>',
        state,
        query.urlencode(),
        label,
        format_html(' <span aria-hidden="true">{}</span>', arrow) if arrow else "",
    )


@register.simple_tag
def inline_static(path: str) -> str:
    """A static file's text written into the page (the certificate's logo in its PDF: nothing to fetch)."""
    found = finders.find(path)
    if not found:
        raise template.TemplateSyntaxError(f"Fichier statique introuvable : {path}")
    with open(found, encoding="utf-8") as handle:
        return mark_safe(handle.read())  # noqa: S308  (our own static file, not input)
