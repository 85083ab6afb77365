"""What a list shows for a query string, shared by the list page and its export, and the export buttons.

The domain list modules import it; it knows no domain (each registers its export kinds, see `kinds.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, QueryDict
from django.urls import reverse

from backoffice.core.exports.kinds import SLUGS, ExportFormat, ExportKind
from backoffice.core.viewsets import ScopedListView

# The list's own parameters that are not filters.
NOT_FILTERS = ("page",)


@dataclass(frozen=True)
class ExportLink:
    label: str
    kind: str
    urls: tuple[tuple[str, str], ...]  # (format label, url) for CSV then XLSX


def list_filters(query: QueryDict) -> QueryDict:
    """The list's query string without its page number: what an export of the list keeps."""
    filters = query.copy()
    for name in NOT_FILTERS:
        filters.pop(name, None)
    return filters


def export_links(query: QueryDict, *kinds: ExportKind) -> list[ExportLink]:
    """The "Exporter CSV / XLSX" buttons of a list, carrying its current filters and search."""
    encoded = list_filters(query).urlencode()
    suffix = f"?{encoded}" if encoded else ""
    return [
        ExportLink(
            label=kind.label,
            kind=kind.value,
            urls=tuple(
                (
                    f"Exporter {fmt.value.upper()}",
                    reverse("exports:request", kwargs={"kind": SLUGS[kind], "fmt": fmt.value}) + suffix,
                )
                for fmt in ExportFormat
            ),
        )
        for kind in kinds
    ]


class ExportableListView(ScopedListView):
    """A scoped Viewflow list that applies its filters and search and shows its export buttons."""

    template_name = "backoffice/exports/viewflow_list.html"
    export_kinds: tuple[ExportKind, ...] = ()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["exports"] = export_links(self.request.GET, *self.export_kinds)
        return context


def list_rows(viewset: Any, user: Any, filters: QueryDict) -> QuerySet:
    """Every row the viewset's list shows `user` for these filters (all pages), by the list's own code."""
    request = HttpRequest()
    request.method = "GET"
    request.GET = QueryDict(filters.urlencode())  # read-only, as a request's
    request.user = user
    view = viewset.list_view_class(**viewset.get_list_view_kwargs())
    view.setup(request)
    return view.get_queryset()


@cache
def _viewset(viewset_class: type) -> Any:
    return viewset_class()


def viewset_rows(viewset_class: type, user: Any, filters: QueryDict) -> QuerySet:
    """`list_rows` of one (shared) instance of the viewset class: an export kind's rows."""
    return list_rows(_viewset(viewset_class), user, filters)
