"""Viewflow viewsets whose every page reads through a scoped selector (404 outside scope)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from django.db.models import QuerySet
from django.utils.functional import cached_property
from viewflow.urls import ReadonlyModelViewset
from viewflow.views import DetailModelView, ListModelView


class ScopedListView(ListModelView):
    """Viewflow's list (its filters, search and ordering) over the viewset's scoped selector: Viewflow
    reads its rows from `viewset.get_queryset(request)`.

    A header claims an order only when the reader chose it: Viewflow marks the selector's default order as
    if chosen, and its header cycle (ascending, descending, none) then stays stuck on a default descending
    column (a click "removes" the order, which is the same order). Rows of equal value keep a stable order
    from page to page (by primary key)."""

    def get_ordering(self) -> list[Any]:
        ordering = list(super().get_ordering())
        if self.ordering_kwarg in self.request.GET and ordering:
            ordering.append("-pk" if str(ordering[-1]).startswith("-") else "pk")
        return ordering

    @cached_property
    def columns_order(self) -> dict[Any, str]:
        if self.ordering_kwarg not in self.request.GET:
            return {}
        return super().columns_order


class ScopedDetailView(DetailModelView):
    def get_queryset(self) -> QuerySet:
        return self.viewset.get_queryset(self.request)


class ScopedReadonlyViewset(ReadonlyModelViewset):
    """A read-only list and detail of the rows a selector returns for the current user."""

    selector: ClassVar[Callable[[Any], QuerySet] | None] = None  # a plain function, not a method
    list_view_class = ScopedListView
    detail_view_class = ScopedDetailView

    def get_queryset(self, request: Any) -> QuerySet:
        selector = type(self).selector
        assert selector is not None, f"{type(self).__name__} needs a selector"
        return selector(request.user)
