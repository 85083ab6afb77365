"""Viewflow viewsets whose every page reads through a scoped selector (404 outside scope)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from django.db.models import QuerySet
from viewflow.urls import ReadonlyModelViewset
from viewflow.views import DetailModelView, ListModelView


class ScopedListView(ListModelView):
    """Viewflow's list (its filters, search and ordering) over the viewset's scoped selector: Viewflow
    reads its rows from `viewset.get_queryset(request)`."""


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
